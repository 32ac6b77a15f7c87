// Python's printf-style `'%s:%d' % (a, b)` and `'%(name)s' % d`, used by
// Ansible templates for padding and number formats.
import { pyRepr, pyStr } from './template-print.js';
import { isFloat } from './template-float.js';

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g;

function formatOne(value: unknown, flags: string, width: number | undefined, precision: number | undefined, type: string): string {
  let out: string;
  const n = Number(value);
  if ('oxXc'.includes(type) && isFloat(value)) throw new TypeError(`%${type} format: an integer is required, not float`);
  switch (type) {
    case 'd': case 'i': case 'u': out = String(Math.trunc(n)); break;
    case 'o': out = Math.trunc(n).toString(8); break;
    case 'x': out = Math.trunc(n).toString(16); break;
    case 'X': out = Math.trunc(n).toString(16).toUpperCase(); break;
    case 'e': case 'E': out = n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); if (type === 'E') out = out.toUpperCase(); break;
    case 'f': case 'F': out = n.toFixed(precision ?? 6); break;
    case 'g': case 'G': out = String(Number(n.toPrecision(precision ?? 6))); break;
    case 'c': out = typeof value === 'number' ? String.fromCodePoint(value) : pyStr(value); break;
    case 'r': case 'a': out = pyRepr(value); break;
    default: out = pyStr(value); if (precision !== undefined) out = out.slice(0, precision);
  }
  if ('dioxXeEfFgG'.includes(type) && n >= 0) out = (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + out;
  if (width !== undefined && out.length < width) {
    if (flags.includes('-')) out = out.padEnd(width);
    else if (flags.includes('0') && 'dioxXeEfFgG'.includes(type)) out = out.startsWith('-') || out.startsWith('+') ? out[0] + out.slice(1).padStart(width - 1, '0') : out.padStart(width, '0');
    else out = out.padStart(width);
  }
  return out;
}

/** `format % args` as Python computes it. */
export function pyPercent(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  let next = 0;
  const out = format.replace(SPEC, (_m, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, type: string) => {
    if (type === '%') return '%';
    const w = width === '*' ? Number(list[next++]) : width === undefined ? undefined : Number(width);
    const value = key !== undefined ? (args as Record<string, unknown>)[key] : list[next++];
    if (key === undefined && next > list.length) throw new TypeError('not enough arguments for format string');
    return formatOne(value, flags, w, precision === undefined ? undefined : Number(precision), type);
  });
  if (Array.isArray(args) && next < list.length && !format.includes('%(')) throw new TypeError('not all arguments converted during string formatting');
  return out;
}
