// Jinja2's number filters (float, int, abs, round, sum) with Python's types:
// `| float` and `| round` give floats (printed `2.0`), `| int` an int, and
// Python's round() rounds half to even on the exact binary value (2.5 → 2.0).
import type nunjucks from 'nunjucks';
import { params, attributeOf, items } from './template-filters-jinja.js';
import { isFloat, isNumber, numeric, PyFloat } from './template-float.js';
import { pyAdd } from './template-semantics.js';

type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

const FLOAT_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Python's float(value), or undefined where Python raises TypeError or ValueError. */
export function pyFloatOf(v: unknown): number | undefined {
  if (typeof v === 'boolean') return Number(v);
  if (isNumber(v)) return Number(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (FLOAT_TEXT.test(s)) return Number(s);
  if (SPECIAL.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

function toInt(value: unknown, dflt: unknown, base: unknown): unknown {
  if (typeof value === 'boolean') return Number(value);
  const f = typeof value === 'string' ? undefined : pyFloatOf(value);
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '');
    const b = Number(base);
    if (b === 10 ? /^[+-]?\d+$/.test(s) : s !== '') {
      const n = parseInt(s.replace(/^0[xob]/i, ''), b);
      if (!Number.isNaN(n)) return n;
    }
    const asFloat = pyFloatOf(value);
    if (asFloat === undefined || Number.isNaN(asFloat)) return dflt;
    if (!Number.isFinite(asFloat)) throw new Error('cannot convert float infinity to integer');
    return Math.trunc(asFloat);
  }
  if (f === undefined || Number.isNaN(f)) return dflt;
  if (!Number.isFinite(f)) throw new Error('cannot convert float infinity to integer');
  return Math.trunc(f);
}

/** `n` rounded to `digits` after the point, half to even, as Python's round() does on the double's exact value. */
function halfEven(n: number, digits: number): number {
  if (!Number.isFinite(n) || digits > 99 || Math.abs(n) >= 1e21) return n;
  if (digits < 0) {
    const f = 10 ** -digits;
    return halfEven(n / f, 0) * f;
  }
  const [whole, fraction = ''] = Math.abs(n).toFixed(100).split('.') as [string, string?];
  const kept = fraction.slice(0, digits);
  const next = fraction[digits] ?? '0';
  const rest = fraction.slice(digits + 1);
  let scaled = BigInt(whole + kept);
  const tie = next === '5' && !/[1-9]/.test(rest);
  if (next > '5' || (next === '5' && !tie) || (tie && scaled % 2n === 1n)) scaled += 1n;
  return Number(`${n < 0 || Object.is(n, -0) ? '-' : ''}${scaled}e-${digits}`);
}

/** Add float, int, abs, round and sum (replacing nunjucks' own). */
export function addNumberFilters(env: nunjucks.Environment): void {
  const add = (name: string, fn: Filter) => env.addFilter(name, fn as (...args: unknown[]) => unknown);
  add('int', params(['default', 'base'], (v, dflt = 0, base = 10) => toInt(v, dflt, base)));
  add('float', params(['default'], (v, dflt = new PyFloat(0)) => {
    const n = pyFloatOf(v);
    return n === undefined ? dflt : new PyFloat(n);
  }));
  add('abs', (v) => {
    if (!isNumber(v) && typeof v !== 'boolean') throw new TypeError(`bad operand type for abs(): '${typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : 'dict'}'`);
    return numeric(Math.abs(Number(v)), isFloat(v));
  });
  add('round', params(['precision', 'method'], (v, precision = 0, method = 'common') => {
    if (!['common', 'ceil', 'floor'].includes(String(method))) throw new Error('method must be common, ceil or floor');
    if (!isNumber(v) && typeof v !== 'boolean') throw new TypeError(`type ${typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : 'dict'} doesn't define __round__ method`);
    const digits = Number(precision);
    if (method !== 'common') {
      // Jinja2: math.ceil/floor(value * 10**precision) / 10**precision, a true division (a float).
      const f = 10 ** digits;
      return new PyFloat((method === 'ceil' ? Math.ceil : Math.floor)(Number(v) * f) / f);
    }
    // Python's round(value, precision): an int stays an int (rounded only for a negative precision).
    if (!isFloat(v)) return digits >= 0 ? Number(v) : halfEven(Number(v), digits);
    return new PyFloat(halfEven(Number(v), digits));
  }));
  add('sum', params(['attribute', 'start'], (v, attribute, start = 0) =>
    items(v)
      .map((x) => (attribute !== undefined && attribute !== null ? attributeOf(x, attribute) : x))
      .reduce<unknown>((a, b) => pyAdd(a, b), start),
  ));
}
