// Python's float inside templates. JavaScript has one number type, Python two:
// `4 / 2` is the float 2.0 and prints `2.0`, where the int 2 prints `2`. A
// PyFloat carries a float through template arithmetic, filters and printing;
// it never leaves the template layer (unwrap() turns it back into a number).

/** A Python float: made by `/`, `| float`, `| round`, a float literal, or a YAML float in vars. */
export class PyFloat {
  readonly #value: number;
  constructor(value: number) {
    this.#value = value;
  }
  valueOf(): number {
    return this.#value;
  }
  toJSON(): number {
    return this.#value;
  }
  toString(): string {
    return floatRepr(this.#value);
  }
}

/** True for a value Python holds as a float: a PyFloat, or a JavaScript number with a fraction (or inf/nan). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** True for a Python int or float (not bool). */
export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

/** The result of Python arithmetic: a float when `float` (either operand was one), else an int. */
export function numeric(n: number, float: boolean): number | PyFloat {
  return float || !Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Python's repr() of a float: the shortest digits that read back, fixed from 1e-4 to 1e16, else `1e+16`. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fraction = digits.slice(exp + 1);
  return `${sign}${whole}.${fraction || '0'}`;
}

/** `v` with every PyFloat turned back into a number: what leaves the template layer. */
export function unwrap(v: unknown): unknown {
  if (v instanceof PyFloat) return v.valueOf();
  if (Array.isArray(v)) return v.some(hasFloat) ? v.map(unwrap) : v;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && hasFloat(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

function hasFloat(v: unknown): boolean {
  if (v instanceof PyFloat) return true;
  if (Array.isArray(v)) return v.some(hasFloat);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).some(hasFloat);
  return false;
}

// A float in the JSON a whole-field `{{ expression }}` passes through (per process: no template can forge it).
const FLOAT_KEY = `\u0000float:${Math.random().toString(36).slice(2)}`;

/** The JSON of a template's value, its floats marked (JSON has no 2.0, nor nan or inf). */
export function nativeJson(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key: string, x: unknown) {
    const original = this[key];
    return original instanceof PyFloat ? { [FLOAT_KEY]: String(original.valueOf()) } : x;
  });
}

/** The value nativeJson wrote: its floats as numbers, or with `keepFloats` as PyFloats. */
export function parseNative(json: string, keepFloats: boolean): unknown {
  return JSON.parse(json, (_key, x: unknown) => {
    if (x === null || typeof x !== 'object' || !Object.hasOwn(x, FLOAT_KEY)) return x;
    const n = Number((x as Record<string, string>)[FLOAT_KEY]);
    return keepFloats ? new PyFloat(n) : n;
  });
}

/** JSON text with its floats (`1.0`, `1e3`) marked for parseNative, as Python's json.loads tells them from ints. */
export function markJsonFloats(json: string): string {
  return json.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m) => (m.startsWith('"') || !/[.eE]/.test(m) ? m : `{${JSON.stringify(FLOAT_KEY)}:"${m}"}`));
}
