// Jinja2's and Ansible's tests (`is defined`, `is version('1.4', '<=')`,
// `is sameas true`, `is match(…)` …) with their Python results.
import type nunjucks from 'nunjucks';
import { isUndefined } from './template-undefined.js';
import { pyCompare, pyEq, pyIn, truthy } from './template-semantics.js';
import { pyStr } from './template-print.js';
import { splitArgs } from './template-python.js';
import { isFloat, isNumber } from './template-float.js';

type Test = (value: unknown, ...args: unknown[]) => boolean;

/** Tests that may look at an undefined value without failing. */
export const UNDEFINED_TESTS = new Set(['defined', 'undefined', 'none', 'string', 'number', 'mapping', 'sameas', 'boolean', 'integer', 'float', 'true', 'false', 'sequence', 'iterable']);

/** distutils' LooseVersion components, as Ansible's `version` test compares by default. */
function loose(v: unknown): (number | string)[] {
  return pyStr(v)
    .split(/(\d+|[a-z]+|\.)/i)
    .filter((p) => p && p !== '.')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function compareVersions(a: unknown, b: unknown): number {
  const x = loose(a);
  const y = loose(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i >= x.length) return -1;
    if (i >= y.length) return 1;
    const p = x[i]!;
    const q = y[i]!;
    if (typeof p !== typeof q) throw new TypeError(`Version comparison failed: '<' not supported between '${pyStr(a)}' and '${pyStr(b)}'`);
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

const OPS: Record<string, (c: number) => boolean> = {
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0, '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

function version(value: unknown, ...args: unknown[]): boolean {
  const { pos, kw } = splitArgs(args);
  const op = String(kw.operator ?? pos[1] ?? 'eq');
  const check = OPS[op];
  if (!check) throw new Error(`Invalid operator type (${op})`);
  if (kw.version_type !== undefined && kw.version_type !== 'loose') throw new Error(`version_type '${String(kw.version_type)}' is not supported by converge (loose only)`);
  return check(compareVersions(value, kw.version ?? pos[0]));
}

const isMap = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) && !isUndefined(v) && !isNumber(v);

/** Replace nunjucks' tests with Jinja2's and Ansible's. */
export function addTests(env: nunjucks.Environment): void {
  const tests: Record<string, Test> = {
    defined: (v) => !isUndefined(v),
    undefined: (v) => isUndefined(v),
    none: (v) => v === null,
    string: (v) => typeof v === 'string',
    number: (v) => isNumber(v),
    integer: (v) => isNumber(v) && !isFloat(v),
    float: (v) => isFloat(v),
    boolean: (v) => typeof v === 'boolean',
    true: (v) => v === true,
    false: (v) => v === false,
    mapping: isMap,
    sequence: (v) => Array.isArray(v) || typeof v === 'string' || isMap(v),
    iterable: (v) => Array.isArray(v) || typeof v === 'string' || isMap(v),
    callable: () => false,
    sameas: (v, other) => v === other || (v === null && other === undefined),
    eq: (v, o) => pyEq(v, o), equalto: (v, o) => pyEq(v, o), '==': (v, o) => pyEq(v, o),
    ne: (v, o) => !pyEq(v, o), '!=': (v, o) => !pyEq(v, o),
    lt: (v, o) => pyCompare(v, '<', o), lessthan: (v, o) => pyCompare(v, '<', o), '<': (v, o) => pyCompare(v, '<', o),
    le: (v, o) => pyCompare(v, '<=', o), '<=': (v, o) => pyCompare(v, '<=', o),
    gt: (v, o) => pyCompare(v, '>', o), greaterthan: (v, o) => pyCompare(v, '>', o), '>': (v, o) => pyCompare(v, '>', o),
    ge: (v, o) => pyCompare(v, '>=', o), '>=': (v, o) => pyCompare(v, '>=', o),
    in: (v, c) => pyIn(v, c),
    contains: (c, v) => pyIn(v, c),
    divisibleby: (v, n) => Number(v) % Number(n) === 0,
    even: (v) => Number(v) % 2 === 0,
    odd: (v) => Math.abs(Number(v) % 2) === 1,
    lower: (v) => pyStr(v) === pyStr(v).toLowerCase(),
    upper: (v) => pyStr(v) === pyStr(v).toUpperCase(),
    truthy: (v) => truthy(v),
    falsy: (v) => !truthy(v),
    version,
    version_compare: version,
    match: (v, p, ic) => new RegExp(`^(?:${pyStr(p)})`, truthy(ic) ? 'i' : '').test(pyStr(v)),
    search: (v, p, ic) => new RegExp(pyStr(p), truthy(ic) ? 'i' : '').test(pyStr(v)),
    regex: (v, p, ic) => new RegExp(pyStr(p), truthy(ic) ? 'i' : '').test(pyStr(v)),
    subset: (a, b) => (a as unknown[]).every((x) => (b as unknown[]).some((y) => pyEq(x, y))),
    superset: (a, b) => (b as unknown[]).every((x) => (a as unknown[]).some((y) => pyEq(x, y))),
    any: (v) => (v as unknown[]).some(truthy),
    all: (v) => (v as unknown[]).every(truthy),
  };
  const target = env as unknown as { addTest(name: string, fn: (...args: unknown[]) => unknown): void };
  for (const [name, fn] of Object.entries(tests)) target.addTest(name, fn as (...args: unknown[]) => boolean);
  for (const refused of ['file', 'directory', 'link', 'exists', 'mount', 'abs']) {
    target.addTest(refused, () => {
      throw new Error(`the '${refused}' test looks at the machine that renders; converge templates see only vars, facts and host`);
    });
  }
}
