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
import { isFloat, numeric, PyFloat } from './template-float.js';

/** Python's truth of a value. */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) v.fail();
  if (v === null || v === undefined) return false;
  if (Array.isArray(v) || typeof v === 'string') return v.length > 0;
  if (v instanceof nunjucks.runtime.SafeString) return String(v).length > 0;
  if (typeof v === 'number' || v instanceof PyFloat) return Number(v) !== 0 && !Number.isNaN(Number(v));
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) return 'str';
  if (typeof v === 'number' || v instanceof PyFloat) return isFloat(v) ? 'float' : 'int';
  if (typeof v === 'boolean') return 'bool';
  return 'dict';
}

const isNum = (v: unknown): v is number | boolean | PyFloat => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
const eitherFloat = (a: unknown, b: unknown) => isFloat(a) || isFloat(b);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof nunjucks.runtime.SafeString ? String(v) : undefined);

/** Python's `==`. */
export function pyEq(a: unknown, b: unknown): boolean {
  requireDefined(a, b);
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  const sa = str(a);
  const sb = str(b);
  if (sa !== undefined || sb !== undefined) return sa === sb;
  if (isNum(a) || isNum(b)) return false;
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
  if (isNum(a) && isNum(b)) return numeric(Number(a) + Number(b), eitherFloat(a, b));
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
  if (isNum(a) && isNum(b)) return numeric(Number(a) * Number(b), eitherFloat(a, b));
  const [seq, n] = isNum(a) ? [b, Number(a)] : [a, Number(b)];
  if (!Number.isInteger(n) || isFloat(isNum(a) ? a : b)) throw new TypeError(`can't multiply sequence by non-int of type '${kind(isNum(a) ? a : b)}'`);
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
    if (y === 0) throw new Error(eitherFloat(a, b) ? 'float modulo' : 'integer division or modulo by zero');
    const r = x % y;
    // The result has the divisor's sign (Python's), a zero too: -4.0 % 2 is 0.0, 4.0 % -2 is -0.0.
    return numeric(r === 0 ? (y < 0 ? -0 : 0) : r < 0 !== y < 0 ? r + y : r, eitherFloat(a, b));
  }
  throw new TypeError(`unsupported operand type(s) for %: '${kind(a)}' and '${kind(b)}'`);
}

/** Python's `/` (true division, always a float) and `//` (floor division, a float when either side is one). */
export function pyDiv(a: unknown, b: unknown, floor: boolean): number | PyFloat {
  requireDefined(a, b);
  if (!isNum(a) || !isNum(b)) throw new TypeError(`unsupported operand type(s) for ${floor ? '//' : '/'}: '${kind(a)}' and '${kind(b)}'`);
  if (Number(b) === 0) throw new Error(floor && !eitherFloat(a, b) ? 'integer division or modulo by zero' : eitherFloat(a, b) ? 'float division by zero' : 'division by zero');
  const q = Number(a) / Number(b);
  return floor ? numeric(Math.floor(q), eitherFloat(a, b)) : new PyFloat(q);
}

/** Python's binary `-`. */
export function pySub(a: unknown, b: unknown): number | PyFloat {
  requireDefined(a, b);
  if (!isNum(a) || !isNum(b)) throw new TypeError(`unsupported operand type(s) for -: '${kind(a)}' and '${kind(b)}'`);
  return numeric(Number(a) - Number(b), eitherFloat(a, b));
}

/** Python's `**`: an int for an int to a non-negative int power, else a float. */
export function pyPow(a: unknown, b: unknown): number | PyFloat {
  requireDefined(a, b);
  if (!isNum(a) || !isNum(b)) throw new TypeError(`unsupported operand type(s) for ** or pow(): '${kind(a)}' and '${kind(b)}'`);
  if (Number(a) === 0 && Number(b) < 0) throw new Error('0.0 cannot be raised to a negative power');
  return numeric(Number(a) ** Number(b), eitherFloat(a, b) || Number(b) < 0);
}

/** Python's unary `-` and `+` (`sign` is -1 or 1). */
export function pySign(v: unknown, sign: number): number | PyFloat {
  requireDefined(v);
  if (!isNum(v)) throw new TypeError(`bad operand type for unary ${sign < 0 ? '-' : '+'}: '${kind(v)}'`);
  return numeric(sign * Number(v), isFloat(v));
}

/** Python's `in`: a substring, an item of a list, a key of a dict. */
export function pyIn(key: unknown, container: unknown): boolean {
  requireDefined(key, container);
  const s = str(container);
  if (s !== undefined) return s.includes(pyStr(key));
  if (Array.isArray(container)) return container.some((x) => pyEq(x, key));
  if (container && typeof container === 'object' && !isNum(container)) return Object.hasOwn(container, String(key));
  throw new TypeError(`argument of type '${kind(container)}' is not iterable`);
}

/** What a `for` loop over `names` loop variables iterates: a list, a dict's keys… never None or an undefined value. */
export function iterable(v: unknown, names: number): unknown {
  if (isUndefined(v)) v.fail();
  if (v === null || v === undefined) throw new TypeError("'NoneType' object is not iterable");
  if (isNum(v)) throw new TypeError(`'${kind(v)}' object is not iterable`);
  if (typeof v === 'string') return [...v];
  if (Array.isArray(v)) return v;
  if (names > 1) throw new TypeError('a dict gives one value per turn, its keys: loop over .items() for key and value (for k, v in d.items())');
  return Object.keys(v);
}
