// Jinja2's builtin filters with Jinja2's results (nunjucks' differ: printing,
// undefined values, dict iteration, keyword arguments). Attribute paths go
// through the sandbox's member lookup.
import type nunjucks from 'nunjucks';
import { safeMember } from './template-sandbox.js';
import { splitArgs } from './template-python.js';
import { pyRepr, pyStr } from './template-print.js';
import { pyCompare, pyEq, pyIn, truthy } from './template-semantics.js';
import { pyPercent } from './template-percent.js';
import { isUndefined, Undefined } from './template-undefined.js';
import { PyFloat } from './template-float.js';
import { pyJson } from './template-json.js';

type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;
type Test = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

/** Jinja2's `attribute="a.b"` (dots go deeper; a number part indexes a list). */
export function attributeOf(item: unknown, attribute: unknown): unknown {
  if (typeof attribute === 'number') return safeMember(item, attribute);
  return String(attribute)
    .split('.')
    .reduce<unknown>((v, part) => safeMember(v, /^\d+$/.test(part) ? Number(part) : part), item);
}

/** A filter whose arguments may also be given by keyword (`join(attribute='name')`). */
export function params(names: string[], fn: Filter): Filter {
  return function (this: unknown, value: unknown, ...rest: unknown[]): unknown {
    const { pos, kw } = splitArgs(rest);
    for (const k of Object.keys(kw)) if (!names.includes(k)) throw new Error(`unexpected keyword argument '${k}'`);
    return fn.call(this, value, ...names.map((n, i) => (Object.hasOwn(kw, n) ? kw[n] : pos[i])));
  };
}

/** What iterating a value gives in Python: list items, dict keys, characters. */
export function items(value: unknown): unknown[] {
  if (isUndefined(value)) value.fail();
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value && typeof value === 'object' && !(value instanceof PyFloat)) return Object.keys(value);
  throw new TypeError(`'${value === null ? 'NoneType' : value instanceof PyFloat ? 'float' : typeof value}' object is not iterable`);
}

const given = (v: unknown) => v !== undefined && v !== null;

function sortKey(v: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
}

function pySort(list: unknown[], key: (v: unknown) => unknown, reverse: boolean): unknown[] {
  const out = [...list].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return pyEq(x, y) ? 0 : pyCompare(x, '<', y) ? -1 : 1;
  });
  return reverse ? out.reverse() : out;
}

function testOf(env: nunjucks.Environment, name: unknown): Test {
  if (name === undefined) return (v) => truthy(v);
  return (env as unknown as { getTest(n: string): Test }).getTest(String(name));
}

function selecting(env: nunjucks.Environment, keep: boolean, byAttribute: boolean): Filter {
  return function (value, ...args) {
    const [attr, test, ...testArgs] = byAttribute ? args : [undefined, ...args];
    const t = testOf(env, test);
    return items(value).filter((item) => truthy(t.call(this, byAttribute ? attributeOf(item, attr) : item, ...testArgs)) === keep);
  };
}

/** Jinja2's builtin filters, replacing nunjucks' where they differ. */
export function addJinjaFilters(env: nunjucks.Environment): void {
  const add = (name: string, fn: Filter) => env.addFilter(name, fn as (...args: unknown[]) => unknown);
  add('default', params(['default_value', 'boolean'], (v, dflt = '', boolean = false) => (isUndefined(v) || (truthy(boolean) && !truthy(v)) ? dflt : v)));
  add('d', (env as unknown as { getFilter(n: string): Filter }).getFilter('default'));
  add('length', (v) => (isUndefined(v) ? v.fail() : typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' && !(v instanceof PyFloat) ? Object.keys(v).length : (() => { throw new TypeError(`object of type '${v instanceof PyFloat ? 'float' : typeof v}' has no len()`); })()));
  add('count', (v) => items(v).length);
  add('list', (v) => [...items(v)]);
  add('string', (v) => pyStr(v));
  add('first', (v) => items(v)[0] ?? new Undefined('No first item, sequence was empty.'));
  add('last', (v) => items(v).at(-1) ?? new Undefined('No last item, sequence was empty.'));
  add('lower', (v) => pyStr(v).toLowerCase());
  add('upper', (v) => pyStr(v).toUpperCase());
  add('capitalize', (v) => { const s = pyStr(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); });
  add('title', (v) => pyStr(v).replace(/[\w']+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()));
  add('trim', params(['chars'], (v, chars) => {
    const s = pyStr(v);
    if (!given(chars)) return s.trim();
    const set = new Set(String(chars));
    let a = 0;
    let b = s.length;
    while (a < b && set.has(s[a]!)) a++;
    while (b > a && set.has(s[b - 1]!)) b--;
    return s.slice(a, b);
  }));
  add('replace', params(['old', 'new', 'count'], (v, a, b, n) => {
    const parts = pyStr(v).split(pyStr(a));
    const count = given(n) ? Number(n) : -1;
    if (count < 0 || parts.length - 1 <= count) return parts.join(pyStr(b));
    return parts.slice(0, count + 1).join(pyStr(b)) + pyStr(a) + parts.slice(count + 1).join(pyStr(a));
  }));
  add('join', params(['d', 'attribute'], (v, sep = '', attribute) =>
    items(v)
      .map((x) => (given(attribute) ? attributeOf(x, attribute) : x))
      .map(pyStr)
      .join(pyStr(sep)),
  ));
  add('map', function (v, ...args) {
    const { pos, kw } = splitArgs(args);
    if (given(kw.attribute)) return items(v).map((x) => { const a = attributeOf(x, kw.attribute); return isUndefined(a) && Object.hasOwn(kw, 'default') ? kw.default : a; });
    const [name, ...rest] = pos;
    const f = (env as unknown as { getFilter(n: string): Filter }).getFilter(String(name));
    const extra = Object.keys(kw).length ? [...rest, { ...kw, __keywords: true }] : rest;
    return items(v).map((x) => f.call(this, x, ...extra));
  });
  add('select', selecting(env, true, false));
  add('reject', selecting(env, false, false));
  add('selectattr', selecting(env, true, true));
  add('rejectattr', selecting(env, false, true));
  add('sort', params(['reverse', 'case_sensitive', 'attribute'], (v, reverse = false, cs = false, attribute) =>
    pySort(items(v), (x) => sortKey(given(attribute) ? attributeOf(x, attribute) : x, truthy(cs)), truthy(reverse)),
  ));
  add('dictsort', params(['case_sensitive', 'by', 'reverse'], (v, cs = false, by = 'key', reverse = false) => {
    const pairs = Object.entries(v as Record<string, unknown>);
    return pySort(pairs, (p) => sortKey((p as unknown[])[by === 'value' ? 1 : 0], truthy(cs)), truthy(reverse));
  }));
  add('unique', params(['case_sensitive', 'attribute'], (v, cs = false, attribute) => {
    const out: unknown[] = [];
    const seen: unknown[] = [];
    for (const x of items(v)) {
      const key = sortKey(given(attribute) ? attributeOf(x, attribute) : x, truthy(cs));
      if (!seen.some((s) => pyEq(s, key))) {
        seen.push(key);
        out.push(x);
      }
    }
    return out;
  }));
  for (const [name, less] of [['min', true], ['max', false]] as const) {
    add(name, params(['case_sensitive', 'attribute'], (v, cs = false, attribute) => {
      const list = items(v);
      if (list.length === 0) return new Undefined(`No aggregated item, sequence was empty.`);
      const key = (x: unknown) => sortKey(given(attribute) ? attributeOf(x, attribute) : x, truthy(cs));
      return list.reduce((best, x) => (pyCompare(key(x), less ? '<' : '>', key(best)) ? x : best));
    }));
  }
  add('reverse', (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...items(v)].reverse()));
  add('format', (v, ...args) => {
    const { pos, kw } = splitArgs(args);
    return pyPercent(pyStr(v), Object.keys(kw).length ? kw : pos);
  });
  add('center', params(['width'], (v, width = 80) => {
    const s = pyStr(v);
    const w = Number(width);
    if (s.length >= w) return s;
    const pad = w - s.length;
    const left = Math.floor(pad / 2) + (pad & w & 1);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  }));
  add('indent', params(['width', 'first', 'blank'], (v, width = 4, first = false, blank = false) => {
    const ind = typeof width === 'string' ? width : ' '.repeat(Number(width));
    const lines = (pyStr(v) + '\n').split(/\r\n|\r|\n/);
    lines.pop();
    let rv: string;
    if (truthy(blank)) rv = lines.join('\n' + ind);
    else rv = [lines[0] ?? '', ...lines.slice(1).map((l) => (l ? ind + l : l))].join('\n');
    return truthy(first) ? ind + rv : rv;
  }));
  add('items', (v) => (isUndefined(v) ? [] : Object.entries(v as Record<string, unknown>)));
  add('dict', (v) => Object.fromEntries(items(v) as [string, unknown][]));
  add('pprint', (v) => pyRepr(v));
  add('wordcount', (v) => (pyStr(v).match(/\w+/g) ?? []).length);
  add('truncate', params(['length', 'killwords', 'end', 'leeway'], (v, length = 255, killwords = false, end = '...', leeway = 5) => {
    const s = pyStr(v);
    const n = Number(length);
    if (s.length <= n + Number(leeway)) return s;
    if (truthy(killwords)) return s.slice(0, n - pyStr(end).length) + pyStr(end);
    const cut = s.slice(0, n - pyStr(end).length);
    return cut.slice(0, Math.max(cut.lastIndexOf(' '), 0)) + pyStr(end);
  }));
  add('attr', (v, name) => attributeOf(v, name));
  // Jinja2's htmlsafe_json_dumps with its default policy: json.dumps(sort_keys=True), then <, >, & and ' escaped.
  add('tojson', (v) => pyJson(v, { sortKeys: true }).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  add('in', (v, c) => pyIn(v, c));
}
