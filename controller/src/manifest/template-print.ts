// Values as Python prints them, because that is what an Ansible template
// writes: `True`/`False`, `None` (nothing at the top level: Ansible's finalize),
// lists and dicts in their repr (`['a', 1]`, `{'k': True}`).
import nunjucks from 'nunjucks';
import { floatRepr, PyFloat } from './template-float.js';

/** Python's repr() of a string: single quotes unless the text has one and no double quote. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's repr() of a number: a JavaScript number is an int when whole, else a float. */
function pyNumber(n: number): string {
  if (!Number.isInteger(n)) return floatRepr(n);
  if (Math.abs(n) >= 1e16) return BigInt(n).toString();
  return String(n);
}

/** Python's repr() of a value (inside a list or dict). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (v instanceof PyFloat) return floatRepr(v.valueOf());
  if (typeof v === 'string') return pyReprString(v);
  if (v instanceof nunjucks.runtime.SafeString) return pyReprString(String(v));
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyReprString(String(v));
}

/** Python's str() of a value. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'object' && !(v instanceof nunjucks.runtime.SafeString)) return pyRepr(v);
  if (typeof v === 'number' || typeof v === 'boolean') return pyRepr(v);
  return String(v);
}

/** What `{{ value }}` writes: Python's str(), and nothing for None (Ansible's finalize). */
export function pyOutput(v: unknown): string {
  return v === null || v === undefined ? '' : pyStr(v);
}
