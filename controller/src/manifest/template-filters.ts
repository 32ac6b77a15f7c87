// The Ansible filters that existing .j2 templates use most, with ansible-core's
// results (checked against it in controller/test/manifest/ansible-fidelity.test.ts).
import type nunjucks from 'nunjucks';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { params, items } from './template-filters-jinja.js';
import { pyStr } from './template-print.js';
import { pyEq, truthy } from './template-semantics.js';
import { isUndefined } from './template-undefined.js';
import { pyJson } from './template-json.js';
import { pyYaml } from './template-yaml.js';
import { pySplit } from './template-python.js';
import { isFloat, isNumber, markJsonFloats, parseNative } from './template-float.js';
import { asPyYaml } from './yaml-floats.js';

type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};

/** Ansible's `comment` filter. */
function comment(text: unknown, style: unknown = 'plain', kw: Record<string, unknown> = {}): string {
  const styleParams = COMMENT_STYLES[String(style)];
  if (!styleParams) throw new Error(`unknown comment style '${String(style)}'`);
  const prepost = String(kw.decoration ?? styleParams.decoration);
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: prepost.trimEnd(), prefix_count: 1, decoration: '', postfix: prepost.trimEnd(), postfix_count: 1, end: '', ...styleParams, ...kw };
  const nl = String(p.newline);
  const deco = String(p.decoration);
  const beginning = p.beginning ? `${String(p.beginning)}${nl}` : '';
  const prefix = p.prefix ? (p.prefix !== nl ? `${String(p.prefix)}${nl}` : nl).repeat(Number(p.prefix_count)) : '';
  const body = `${deco}${pyStr(text).split(nl).join(nl + deco)}`.split(`${deco}${nl}`).join(`${deco.trimEnd()}${nl}`);
  const postfix = ['', ...Array.from({ length: Number(p.postfix_count) }, () => String(p.postfix))].join(nl);
  const end = p.end ? `${nl}${String(p.end)}` : '';
  return beginning + prefix + body + postfix + end;
}

/** Ansible's `bool`. */
function toBool(v: unknown): unknown {
  if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
  if (isNumber(v)) return Number(v) === 1; // Ansible: `a in ('yes', 'on', '1', 'true', 1)`, where 1.0 == 1
  const x = typeof v === 'string' ? v.toLowerCase() : v;
  return ['yes', 'on', '1', 'true', 1].includes(x as string | number);
}

/** Python's shlex.quote. */
function quote(v: unknown): string {
  const s = pyStr(v);
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prior = out[k];
    const isMap = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x) && !isNumber(x);
    if (recursive && isMap(prior) && isMap(v)) out[k] = merge(prior as Record<string, unknown>, v as Record<string, unknown>, recursive, listMerge);
    else if (Array.isArray(prior) && Array.isArray(v) && listMerge !== 'replace') {
      if (listMerge === 'keep') out[k] = prior;
      else if (listMerge === 'append') out[k] = [...prior, ...v];
      else if (listMerge === 'prepend') out[k] = [...v, ...prior];
      else if (listMerge === 'append_rp') out[k] = [...prior.filter((x) => !v.some((y) => pyEq(x, y))), ...v];
      else out[k] = [...v, ...prior.filter((x) => !v.some((y) => pyEq(x, y)))];
    } else out[k] = v;
  }
  return out;
}

/** Python's re syntax in JavaScript: named groups, and `\1` / `\g<name>` in replacements. */
function pyRegex(pattern: unknown, flags: string): RegExp {
  return new RegExp(pyStr(pattern).replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), flags);
}

function unique(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of list) if (!out.some((y) => pyEq(x, y))) out.push(x);
  return out;
}

/** Add Ansible-compatible filters. */
export function addAnsibleFilters(env: nunjucks.Environment): void {
  const add = (name: string, fn: Filter) => env.addFilter(name, fn as (...args: unknown[]) => unknown);
  add('comment', function (text, ...args) {
    const last = args.at(-1) as Record<string, unknown> | undefined;
    const kw = last && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords ? { ...last } : {};
    delete kw.__keywords;
    const style = Object.keys(kw).length && args.length === 1 ? 'plain' : (args[0] ?? 'plain');
    return comment(text, style, kw);
  });
  add('bool', toBool);
  add('quote', quote);
  add('to_json', params(['indent', 'sort_keys'], (v, indent, sortKeys = false) => pyJson(v, { indent: indent === undefined || indent === null ? undefined : Number(indent), sortKeys: truthy(sortKeys) })));
  add('to_nice_json', params(['indent', 'sort_keys'], (v, indent = 4, sortKeys = true) => pyJson(v, { indent: Number(indent), sortKeys: truthy(sortKeys), separators: [',', ': '] })));
  add('to_yaml', params(['indent', 'default_flow_style', 'sort_keys', 'width'], (v, indent = 2, flow = null) => pyYaml(v, { indent: Number(indent), flow: flow === null ? 'auto' : truthy(flow) ? 'flow' : 'block' })));
  add('to_nice_yaml', params(['indent', 'sort_keys', 'width'], (v, indent = 4) => pyYaml(v, { indent: Number(indent), flow: 'block' })));
  add('from_json', (v) => parseNative(markJsonFloats(pyStr(v)), true));
  add('from_yaml', (v) => {
    const doc = parseDocument(pyStr(v));
    if (doc.errors.length > 0) throw doc.errors[0]!;
    return asPyYaml(doc, doc.toJS());
  });
  add('regex_replace', params(['regex', 'replace', 'ignorecase', 'multiline', 'count'], (v, pattern = '', replacement = '', ic = false, ml = false, count = 0) => {
    let n = 0;
    const max = Number(count);
    const re = pyRegex(pattern, `g${truthy(ic) ? 'i' : ''}${truthy(ml) ? 'm' : ''}`);
    return pyStr(v).replace(re, (...m: unknown[]) => {
      if (max > 0 && n++ >= max) return String(m[0]);
      const groups = (typeof m.at(-1) === 'object' ? m.at(-1) : {}) as Record<string, string> | undefined;
      return pyStr(replacement).replace(/\\(\d+)|\\g<(\w+)>|\\\\/g, (all, d: string | undefined, g: string | undefined) => {
        if (all === '\\\\') return '\\';
        const key = d ?? g!;
        return /^\d+$/.test(key) ? String(m[Number(key)] ?? '') : (groups?.[key] ?? '');
      });
    });
  }));
  add('regex_search', params(['regex', 'ignorecase', 'multiline'], (v, pattern, ic = false, ml = false) => pyRegex(pattern, `${truthy(ic) ? 'i' : ''}${truthy(ml) ? 'm' : ''}`).exec(pyStr(v))?.[0] ?? null));
  add('regex_findall', params(['regex', 'ignorecase', 'multiline'], (v, pattern, ic = false, ml = false) =>
    [...pyStr(v).matchAll(pyRegex(pattern, `g${truthy(ic) ? 'i' : ''}${truthy(ml) ? 'm' : ''}`))].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0]))),
  ));
  add('regex_escape', (v) => pyStr(v).replace(/[^\w]/g, '\\$&'));
  add('b64encode', (v) => Buffer.from(pyStr(v), 'utf8').toString('base64'));
  add('b64decode', (v) => Buffer.from(pyStr(v), 'base64').toString('utf8'));
  add('basename', (v) => path.posix.basename(pyStr(v)));
  add('dirname', (v) => path.posix.dirname(pyStr(v)).replace(/^\.$/, ''));
  add('splitext', (v) => { const s = pyStr(v); const e = path.posix.extname(s); return [s.slice(0, s.length - e.length), e]; });
  add('split', (v, sep, max) => pySplit(pyStr(v), sep, max));
  add('ternary', (v, yes, no, none = null) => (v === null && none !== null ? none : truthy(v) ? yes : no));
  add('mandatory', (v, message?: unknown) => {
    if (isUndefined(v)) throw new Error(message ? pyStr(message) : `Mandatory variable not defined (${v.hint})`);
    return v;
  });
  add('combine', function (...args) {
    const last = args.at(-1) as Record<string, unknown> | undefined;
    const kw = last && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords ? last : undefined;
    const dicts = (kw ? args.slice(0, -1) : args).flatMap((d) => (Array.isArray(d) ? d : [d])) as Record<string, unknown>[];
    return dicts.reduce((a, b) => merge(a, b, truthy(kw?.recursive ?? false), String(kw?.list_merge ?? 'replace')), {});
  });
  add('dict2items', params(['key_name', 'value_name'], (v, k = 'key', val = 'value') => Object.entries(v as Record<string, unknown>).map(([a, b]) => ({ [String(k)]: a, [String(val)]: b }))));
  add('items2dict', params(['key_name', 'value_name'], (v, k = 'key', val = 'value') => Object.fromEntries(items(v).map((x) => [pyStr((x as Record<string, unknown>)[String(k)]), (x as Record<string, unknown>)[String(val)]]))));
  add('unique', (v) => unique(items(v)));
  add('difference', (a, b) => unique(items(a)).filter((x) => !items(b).some((y) => pyEq(x, y))));
  add('intersect', (a, b) => unique(items(a)).filter((x) => items(b).some((y) => pyEq(x, y))));
  add('union', (a, b) => unique([...items(a), ...items(b)]));
  add('symmetric_difference', (a, b) => {
    const x = items(a);
    const y = items(b);
    return unique([...x, ...y]).filter((e) => !(x.some((p) => pyEq(p, e)) && y.some((q) => pyEq(q, e))));
  });
  add('flatten', params(['levels', 'skip_nulls'], (v, levels, skipNulls = true) => {
    const flat = (list: unknown[], depth: number): unknown[] =>
      list.flatMap((x) => (Array.isArray(x) && (levels === undefined || levels === null || depth < Number(levels)) ? flat(x, depth + 1) : truthy(skipNulls) && (x === null || x === 'None') ? [] : [x]));
    return flat(items(v), 0);
  }));
  add('zip', (...lists) => {
    const ls = lists.map(items);
    return Array.from({ length: Math.min(...ls.map((l) => l.length)) }, (_, i) => ls.map((l) => l[i]));
  });
  add('hash', (v, algorithm = 'sha1') => createHash(String(algorithm)).update(pyStr(v)).digest('hex'));
  add('md5', (v) => createHash('md5').update(pyStr(v)).digest('hex'));
  add('sha1', (v) => createHash('sha1').update(pyStr(v)).digest('hex'));
  add('checksum', (v) => createHash('sha1').update(pyStr(v)).digest('hex'));
  add('type_debug', (v) => (Array.isArray(v) ? 'list' : v === null ? 'NoneType' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : isNumber(v) ? (isFloat(v) ? 'float' : 'int') : 'dict'));
  add('password_hash', () => {
    throw new Error('password_hash makes a new salt on every run; put the hash itself in a var (or a secret)');
  });
  for (const refused of ['shuffle', 'random']) {
    add(refused, () => {
      throw new Error(`${refused} gives a different file on every run; converge renders the same bytes every time`);
    });
  }
}
