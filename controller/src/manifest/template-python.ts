// The methods Jinja2 templates call on values (`.items()`, `.startswith()`,
// `.append()` …), with Python's behaviour. A template reaches these and the
// data itself, never a JavaScript method of the value.
import { charge } from './template-budget.js';
import { isNumber, PyFloat } from './template-float.js';

type Method = (...args: unknown[]) => unknown;
type Kwargs = Record<string, unknown>;

/** Split nunjucks call arguments into positional ones and keyword ones (the last argument, marked `__keywords`). */
export function splitArgs(args: unknown[]): { pos: unknown[]; kw: Kwargs } {
  const last = args.at(-1) as Kwargs | undefined;
  if (last && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords === true) {
    const kw = { ...last };
    delete kw.__keywords;
    return { pos: args.slice(0, -1), kw };
  }
  return { pos: args, kw: {} };
}

const text = (v: unknown): string => String(v);
const ws = /\s/;

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? null : new Set(String(chars));
  const strip = (c: string) => (set ? set.has(c) : ws.test(c));
  let a = 0;
  let b = s.length;
  while (left && a < b && strip(s[a]!)) a++;
  while (right && b > a && strip(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's str.split / rsplit. */
export function pySplit(s: string, sep: unknown, maxsplit: unknown, fromRight = false): string[] {
  if (fromRight) {
    const reverse = (x: string) => [...x].reverse().join('');
    return pySplit(reverse(s), sep === undefined || sep === null ? sep : reverse(String(sep)), maxsplit).map(reverse).reverse();
  }
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const words = s.split(/\s+/).filter((w) => w !== '');
    if (max < 0 || words.length <= max + 1) return words;
    const out: string[] = [];
    let rest = s.trimStart();
    for (let i = 0; i < max; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    if (rest !== '') out.push(rest);
    return out;
  }
  const d = String(sep);
  if (d === '') throw new Error('empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

function prefixTest(s: string, arg: unknown, test: (s: string, p: string) => boolean): boolean {
  return Array.isArray(arg) ? arg.some((p) => test(s, String(p))) : test(s, String(arg));
}

/** Python str.format for `{}`, `{0}`, `{name}`, `{name.attr}` and simple specs (`{:>5}`, `{:.2f}`, `{:d}`). */
export function pyFormat(fmt: string, pos: unknown[], kw: Kwargs, show: (v: unknown) => string): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::([^{}]*))?\}/g, (m, field: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const [head, ...attrs] = (field ?? '').split('.');
    let value: unknown = head === '' ? pos[auto++] : /^\d+$/.test(head!) ? pos[Number(head)] : kw[head!];
    for (const a of attrs) value = value && typeof value === 'object' ? (value as Kwargs)[a] : undefined;
    return applySpec(value, spec ?? '', show);
  });
}

function applySpec(value: unknown, spec: string, show: (v: unknown) => string): string {
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([sdfeEgx%])?$/.exec(spec);
  if (!m) throw new Error(`format spec '${spec}' is not supported`);
  const [, fill = ' ', align, , zero, width, , precision, type] = m;
  let out: string;
  if (type === 'd' && value instanceof PyFloat) throw new Error("Unknown format code 'd' for object of type 'float'");
  if (type === 'f' || (precision !== undefined && isNumber(value))) out = Number(value).toFixed(Number(precision ?? 6));
  else if (type === 'd') out = String(Math.trunc(Number(value)));
  else if (type === 'x') out = Math.trunc(Number(value)).toString(16);
  else out = show(value);
  const w = Number(width ?? 0);
  if (out.length >= w) return out;
  const pad = (zero ? '0' : fill).repeat(w - out.length);
  const how = align ?? (isNumber(value) ? '>' : '<');
  if (how === '<') return out + pad;
  if (how === '^') {
    const left = Math.floor((w - out.length) / 2);
    return (zero ? '0' : fill).repeat(left) + out + (zero ? '0' : fill).repeat(w - out.length - left);
  }
  return pad + out;
}

function strMethods(s: string, show: (v: unknown) => string): Record<string, Method> {
  return {
    startswith: (p) => prefixTest(s, p, (x, y) => x.startsWith(y)),
    endswith: (p) => prefixTest(s, p, (x, y) => x.endsWith(y)),
    upper: () => s.toUpperCase(),
    lower: () => s.toLowerCase(),
    strip: (c) => stripChars(s, c, true, true),
    lstrip: (c) => stripChars(s, c, true, false),
    rstrip: (c) => stripChars(s, c, false, true),
    split: (...a) => { const { pos, kw } = splitArgs(a); return pySplit(s, pos[0] ?? kw.sep, pos[1] ?? kw.maxsplit); },
    rsplit: (...a) => { const { pos, kw } = splitArgs(a); return pySplit(s, pos[0] ?? kw.sep, pos[1] ?? kw.maxsplit, true); },
    splitlines: () => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
    replace: (a, b, n) => {
      const parts = s.split(text(a));
      const count = n === undefined ? -1 : Number(n);
      if (count < 0 || parts.length - 1 <= count) return parts.join(text(b));
      return parts.slice(0, count + 1).join(text(b)) + text(a) + parts.slice(count + 1).join(text(a));
    },
    format: (...a) => { const { pos, kw } = splitArgs(a); return pyFormat(s, pos, kw, show); },
    join: (items) => (Array.isArray(items) ? items : typeof items === 'object' && items ? Object.keys(items) : [...text(items)]).map(text).join(s),
    capitalize: () => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
    title: () => s.toLowerCase().replace(/(^|[^a-zA-Z0-9])([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase()),
    find: (sub) => s.indexOf(text(sub)),
    rfind: (sub) => s.lastIndexOf(text(sub)),
    index: (sub) => { const i = s.indexOf(text(sub)); if (i < 0) throw new Error('substring not found'); return i; },
    count: (sub) => (text(sub) === '' ? s.length + 1 : s.split(text(sub)).length - 1),
    isdigit: () => /^\d+$/.test(s),
    isalpha: () => /^[a-zA-Z]+$/.test(s),
    isalnum: () => /^[a-zA-Z0-9]+$/.test(s),
    isspace: () => /^\s+$/.test(s),
    islower: () => /[a-z]/.test(s) && s === s.toLowerCase(),
    isupper: () => /[A-Z]/.test(s) && s === s.toUpperCase(),
    zfill: (w) => (s.startsWith('-') || s.startsWith('+') ? s[0] + s.slice(1).padStart(Number(w) - 1, '0') : s.padStart(Number(w), '0')),
    center: (w, f = ' ') => applySpec(s, `${text(f)}^${Number(w)}`, show),
    ljust: (w, f = ' ') => s.padEnd(Number(w), text(f)),
    rjust: (w, f = ' ') => s.padStart(Number(w), text(f)),
    partition: (sep) => { const i = s.indexOf(text(sep)); return i < 0 ? [s, '', ''] : [s.slice(0, i), text(sep), s.slice(i + text(sep).length)]; },
    rpartition: (sep) => { const i = s.lastIndexOf(text(sep)); return i < 0 ? ['', '', s] : [s.slice(0, i), text(sep), s.slice(i + text(sep).length)]; },
  };
}

function listMethods(l: unknown[]): Record<string, Method> {
  return {
    append: (v) => { l.push(v); charge(1); return null; },
    extend: (vs) => { const add = Array.isArray(vs) ? vs : []; l.push(...add); charge(add.length); return null; },
    insert: (i, v) => { l.splice(Number(i), 0, v); charge(1); return null; },
    pop: (i) => (i === undefined ? l.pop() : l.splice(Number(i) < 0 ? l.length + Number(i) : Number(i), 1)[0]),
    remove: (v) => { const i = l.indexOf(v); if (i < 0) throw new Error('list.remove(x): x not in list'); l.splice(i, 1); return null; },
    index: (v) => { const i = l.indexOf(v); if (i < 0) throw new Error('value is not in list'); return i; },
    count: (v) => l.filter((x) => x === v).length,
    reverse: () => { l.reverse(); return null; },
    copy: () => { charge(l.length); return [...l]; },
  };
}

function dictMethods(d: Kwargs): Record<string, Method> {
  return {
    items: () => { charge(Object.keys(d).length); return Object.entries(d); },
    keys: () => { charge(Object.keys(d).length); return Object.keys(d); },
    values: () => { charge(Object.keys(d).length); return Object.values(d); },
    get: (k, dflt = null) => (Object.hasOwn(d, text(k)) ? d[text(k)] : dflt),
    update: (...a) => {
      const { pos, kw } = splitArgs(a);
      for (const src of [pos[0], kw]) if (src && typeof src === 'object') for (const [k, v] of Object.entries(src)) defineKey(d, k, v);
      return null;
    },
    pop: (k, ...dflt) => {
      if (Object.hasOwn(d, text(k))) { const v = d[text(k)]; delete d[text(k)]; return v; }
      if (dflt.length) return dflt[0];
      throw new Error(`KeyError: ${text(k)}`);
    },
    setdefault: (k, v = null) => { if (!Object.hasOwn(d, text(k))) defineKey(d, text(k), v); return d[text(k)]; },
    copy: () => ({ ...d }),
  };
}

/** Set a key as data, even one named like `__proto__` (never the prototype). */
export function defineKey(d: Kwargs, k: string, v: unknown): void {
  Object.defineProperty(d, k, { value: v, enumerable: true, writable: true, configurable: true });
  charge(1);
}

/** The Python method `name` of `value`, bound; undefined when it has none. */
export function pythonMethod(value: unknown, name: string, show: (v: unknown) => string): Method | undefined {
  let table: Record<string, Method> | undefined;
  if (typeof value === 'string') table = strMethods(value, show);
  else if (Array.isArray(value)) table = listMethods(value);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) table = dictMethods(value as Kwargs);
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Names that are methods of some Python value (so a lookup can skip building the table). */
export const METHOD_NAMES = new Set([
  ...Object.keys(strMethods('', String)),
  ...Object.keys(listMethods([])),
  ...Object.keys(dictMethods({})),
]);
