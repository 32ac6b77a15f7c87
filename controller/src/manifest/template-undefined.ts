// Jinja2's StrictUndefined as Ansible configures it: a missing name or key is
// a value that fails as soon as it is printed, tested for truth, iterated,
// compared, called or computed with, and that only `is defined`, `default`
// and friends may look at. Reading an attribute of it gives itself (Ansible's
// AnsibleUndefined), so `a.b.c | default(x)` works when `a` is missing.
import { PyFloat } from './template-float.js';

/** Thrown when a template uses an undefined value. */
export class UndefinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndefinedError';
  }
}

/** The value of a name or key that does not exist. */
export class Undefined {
  constructor(readonly hint: string) {}

  fail(): never {
    throw new UndefinedError(`${this.hint} (use | default(...) if it is optional)`);
  }

  toString(): string {
    return this.fail();
  }

  valueOf(): never {
    return this.fail();
  }

  [Symbol.toPrimitive](): never {
    return this.fail();
  }

  toJSON(): never {
    return this.fail();
  }
}

/** The undefined value for a missing name. */
export function undefinedName(name: string): Undefined {
  return new Undefined(`'${name}' is undefined`);
}

/** What Python calls the type of `value`, for messages ('dict object' has no attribute 'x'). */
export function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'list object';
  if (typeof value === 'string') return 'str object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int object' : 'float object';
  if (value instanceof PyFloat) return 'float object';
  if (typeof value === 'boolean') return 'bool object';
  if (value === null) return 'NoneType object';
  return 'dict object';
}

/** The undefined value for a missing key or attribute. */
export function undefinedMember(obj: unknown, key: unknown): Undefined {
  return new Undefined(`'${typeName(obj)}' has no attribute '${String(key)}'`);
}

/** True for an undefined value. */
export function isUndefined(value: unknown): value is Undefined {
  return value instanceof Undefined;
}

/** Fail when any of `values` is undefined. */
export function requireDefined(...values: unknown[]): void {
  for (const v of values) if (v instanceof Undefined) v.fail();
}
