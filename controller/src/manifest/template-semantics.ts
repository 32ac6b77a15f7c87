// Jinja2's semantics where nunjucks' generated JavaScript differs: truth of
// empty lists and dicts, `and`/`or` returning an operand, `+` on lists, `~`
// with Python's str(), `*` and `%` on strings, `==` comparing lists and dicts
// by value, chained comparisons, `in` on own keys, iteration of None failing,
// and StrictUndefined (template-undefined.ts) in every one of them. The
// compiler emits calls into these instead of the bare JavaScript operators.
import nunjucks from 'nunjucks';
import { chargeUnits } from './template-budget.js';
import { isUndefined, requireDefined, Undefined } from './template-undefined.js';
import { pyStr } from './template-print.js';
import { pyPercent } from './template-percent.js';

/** Python's truth of a value. */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) v.fail();
  if (v === null || v === undefined) return false;
  if (Array.isArray(v) || typeof v === 'string') return v.length > 0;
  if (v instanceof nunjucks.runtime.SafeString) return String(v).length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'dict';
}

const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof nunjucks.runtime.SafeString ? String(v) : undefined);

/** Python's `==`. */
export function pyEq(a: unknown, b: unknown): boolean {
  requireDefined(a, b);
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  const sa = str(a);
  const sb = str(b);
  if (sa !== undefined || sb !== undefined) return sa === sb;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

function order(a: unknown, b: unknown, op: string): boolean {
  requireDefined(a, b);
  const ok = (isNum(a) && isNum(b)) || (str(a) !== undefined && str(b) !== undefined) || (Array.isArray(a) && Array.isArray(b));
  if (!ok) throw new TypeError(`'${op}' not supported between instances of '${kind(a)}' and '${kind(b)}'`);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (!pyEq(a[i], b[i])) return order(a[i], b[i], op);
    return order(a.length, b.length, op);
  }
  const x = isNum(a) ? Number(a) : str(a)!;
  const y = isNum(b) ? Number(b) : str(b)!;
  switch (op) {
    case '<': return x < y;
    case '>': return x > y;
    case '<=': return x <= y;
    default: return x >= y;
  }
}

/** A comparison chain `a op b op c` as Python evaluates it. */
export function pyCompare(...parts: unknown[]): boolean {
  for (let i = 0; i + 2 < parts.length + 1 && i + 1 < parts.length; i += 2) {
    const [a, op, b] = [parts[i], parts[i + 1] as string, parts[i + 2]];
    const holds = op === '==' || op === '===' ? pyEq(a, b) : op === '!=' || op === '!==' ? !pyEq(a, b) : order(a, b, op);
    if (!holds) return false;
  }
  return true;
}

/** Python's `+`. */
export function pyAdd(a: unknown, b: unknown): unknown {
  requireDefined(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    chargeUnits(a.length + b.length);
    return [...a, ...b];
  }
  const sa = str(a);
  const sb = str(b);
  if (sa !== undefined && sb !== undefined) return sa + sb;
  if (isNum(a) && isNum(b)) return Number(a) + Number(b);
  throw new TypeError(`unsupported operand type(s) for +: '${kind(a)}' and '${kind(b)}'`);
}

/** Jinja2's `~`: both sides as Python's str(). */
export function pyConcat(a: unknown, b: unknown): string {
  requireDefined(a, b);
  return pyStr(a) + pyStr(b);
}

/** Python's `*`: numbers, or a string or list repeated. */
export function pyMul(a: unknown, b: unknown): unknown {
  requireDefined(a, b);
  if (isNum(a) && isNum(b)) return Number(a) * Number(b);
  const [seq, n] = isNum(a) ? [b, Number(a)] : [a, Number(b)];
  if (!Number.isInteger(n)) throw new TypeError(`can't multiply sequence by non-int of type '${kind(isNum(a) ? a : b)}'`);
  const s = str(seq);
  if (s !== undefined) {
    chargeUnits(s.length * Math.max(n, 0));
    return s.repeat(Math.max(n, 0));
  }
  if (Array.isArray(seq)) {
    chargeUnits(seq.length * Math.max(n, 0));
    return Array.from({ length: Math.max(n, 0) }, () => seq).flat();
  }
  throw new TypeError(`unsupported operand type(s) for *: '${kind(a)}' and '${kind(b)}'`);
}

/** Python's `%`: printf-style formatting of a string, or the modulo with the divisor's sign. */
export function pyMod(a: unknown, b: unknown): unknown {
  requireDefined(a, b);
  const s = str(a);
  if (s !== undefined) return pyPercent(s, b);
  if (isNum(a) && isNum(b)) {
    const x = Number(a);
    const y = Number(b);
    if (y === 0) throw new Error('integer division or modulo by zero');
    return ((x % y) + y) % y;
  }
  throw new TypeError(`unsupported operand type(s) for %: '${kind(a)}' and '${kind(b)}'`);
}

/** Python's `/` (true division) and `//` (floor division). */
export function pyDiv(a: unknown, b: unknown, floor: boolean): number {
  requireDefined(a, b);
  if (!isNum(a) || !isNum(b)) throw new TypeError(`unsupported operand type(s) for /: '${kind(a)}' and '${kind(b)}'`);
  if (Number(b) === 0) throw new Error('division by zero');
  const q = Number(a) / Number(b);
  return floor ? Math.floor(q) : q;
}

/** Python's `in`: a substring, an item of a list, a key of a dict. */
export function pyIn(key: unknown, container: unknown): boolean {
  requireDefined(key, container);
  const s = str(container);
  if (s !== undefined) return s.includes(pyStr(key));
  if (Array.isArray(container)) return container.some((x) => pyEq(x, key));
  if (container && typeof container === 'object') return Object.hasOwn(container, String(key));
  throw new TypeError(`argument of type '${kind(container)}' is not iterable`);
}

/** What a `for` loop over `names` loop variables iterates: a list, a dict's keys… never None or an undefined value. */
export function iterable(v: unknown, names: number): unknown {
  if (isUndefined(v)) v.fail();
  if (v === null || v === undefined) throw new TypeError("'NoneType' object is not iterable");
  if (typeof v === 'number' || typeof v === 'boolean') throw new TypeError(`'${kind(v)}' object is not iterable`);
  if (typeof v === 'string') return [...v];
  if (Array.isArray(v)) return v;
  if (names > 1) throw new TypeError('a dict gives one value per turn, its keys: loop over .items() for key and value (for k, v in d.items())');
  return Object.keys(v);
}
