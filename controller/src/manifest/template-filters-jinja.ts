// Jinja2's builtin filters where nunjucks' differ from them or read
// attributes behind the sandbox's back: attribute paths go through the
// sandbox's member lookup, results are what Jinja2 returns.
import type nunjucks from 'nunjucks';
import { safeMember } from './template-sandbox.js';
import { splitArgs } from './template-python.js';

type Test = (value: unknown, ...args: unknown[]) => unknown;

/** Jinja2's `attribute="a.b"` (dots go deeper; a number part indexes a list). */
export function attributeOf(item: unknown, attribute: unknown): unknown {
  if (typeof attribute === 'number') return safeMember(item, attribute);
  return String(attribute)
    .split('.')
    .reduce<unknown>((v, part) => safeMember(v, /^\d+$/.test(part) ? Number(part) : part), item);
}

/** A filter whose arguments may also be given by keyword (`join(attribute='name')`). */
export function params(names: string[], fn: (this: unknown, value: unknown, ...args: unknown[]) => unknown) {
  return function (this: unknown, value: unknown, ...rest: unknown[]): unknown {
    const { pos, kw } = splitArgs(rest);
    for (const k of Object.keys(kw)) if (!names.includes(k)) throw new Error(`unexpected keyword argument '${k}'`);
    return fn.call(this, value, ...names.map((n, i) => (Object.hasOwn(kw, n) ? kw[n] : pos[i])));
  };
}

function items(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value && typeof value === 'object') return Object.keys(value);
  return [];
}

/** A test by name, for select/reject and selectattr/rejectattr. */
function testOf(env: nunjucks.Environment, name: unknown): Test {
  if (name === undefined) return (v) => Boolean(v);
  return (env as unknown as { getTest(n: string): Test }).getTest(String(name));
}

function selecting(env: nunjucks.Environment, keep: boolean, byAttribute: boolean) {
  return function (this: unknown, value: unknown, ...args: unknown[]): unknown[] {
    const [attr, test, ...testArgs] = byAttribute ? args : [undefined, ...args];
    const t = testOf(env, test);
    return items(value).filter((item) => Boolean(t.call(this, byAttribute ? attributeOf(item, attr) : item, ...testArgs)) === keep);
  };
}

/** Replace nunjucks' filters that read attributes with sandboxed, Jinja2-faithful ones. */
export function addJinjaFilters(env: nunjucks.Environment): void {
  env.addFilter('sum', params(['attribute', 'start'], (value, attribute, start = 0) => {
    const list = items(value).map((v) => (attribute === undefined || attribute === null ? v : attributeOf(v, attribute)));
    return list.reduce<unknown>((a, b) => (a as number) + (b as number), start);
  }));
  env.addFilter('join', params(['d', 'attribute'], (value, sep = '', attribute) =>
    items(value)
      .map((v) => (attribute === undefined || attribute === null ? v : attributeOf(v, attribute)))
      .map((v) => String(v))
      .join(String(sep)),
  ));
  env.addFilter('select', selecting(env, true, false));
  env.addFilter('reject', selecting(env, false, false));
  env.addFilter('selectattr', selecting(env, true, true));
  env.addFilter('rejectattr', selecting(env, false, true));
}
