// Python's json.dumps as Ansible's to_json / to_nice_json call it: `", "` and
// `": "` separators, non-ASCII escaped, keys sorted when asked.
import { UndefinedError } from './template-undefined.js';
import { floatRepr, isFloat, isNumber } from './template-float.js';

export interface JsonOptions {
  indent?: number;
  sortKeys?: boolean;
  /** Item and key separators; Python's default is [', ', ': '] (with an indent, [',', ': ']). */
  separators?: [string, string];
}

function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.dumps(value) with Python's formatting. */
export function pyJson(value: unknown, options: JsonOptions = {}): string {
  const indent = options.indent;
  const [item, key] = options.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const walk = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (isNumber(v)) {
      const n = Number(v);
      if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
      return isFloat(v) ? floatRepr(n) : Math.abs(n) >= 1e16 ? BigInt(n).toString() : String(n);
    }
    if (typeof v === 'string') return pyJsonString(v);
    if (typeof v === 'object' && typeof (v as { fail?: unknown }).fail === 'function') throw new UndefinedError('an undefined value cannot be written as JSON');
    const inner = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
    const outer = indent === undefined ? '' : '\n' + ' '.repeat(indent * depth);
    if (Array.isArray(v)) return v.length ? `[${inner}${v.map((x) => walk(x, depth + 1)).join(item + inner)}${outer}]` : '[]';
    let entries = Object.entries(v as Record<string, unknown>);
    if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length ? `{${inner}${entries.map(([k, x]) => `${pyJsonString(k)}${key}${walk(x, depth + 1)}`).join(item + inner)}${outer}}` : '{}';
  };
  return walk(value, 0);
}
