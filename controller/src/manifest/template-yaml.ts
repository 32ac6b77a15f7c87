// PyYAML's yaml.dump as Ansible's to_yaml / to_nice_yaml call it: keys
// sorted, PyYAML's choice between plain and single-quoted scalars, its
// indentless sequences. What PyYAML would fold or escape in its own way
// (lines past 80 columns, multi-line or non-printable strings) is an error
// here rather than a file that differs.
import { UndefinedError } from './template-undefined.js';
import { floatRepr, isFloat, isNumber } from './template-float.js';

export interface YamlOptions {
  indent: number;
  /** 'block' (to_nice_yaml), or 'auto': collections of scalars inline, as PyYAML's default_flow_style=None. */
  flow: 'block' | 'flow' | 'auto';
}

const WIDTH = 80;
const RESOLVES = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  /^(?:<<|=)$/,
];
const WS = '\0 \t\r\n\x85\u2028\u2029';

/** PyYAML's Emitter.analyze_scalar, reduced to what picks the style. */
function analyze(s: string): { plain: boolean; flowPlain: boolean; single: boolean } {
  if (s === '') return { plain: false, flowPlain: false, single: true };
  let block = s.startsWith('---') || s.startsWith('...');
  let flow = block;
  let special = false;
  let breaks = false;
  let leading = false;
  let trailing = false;
  let breakSpace = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWs = true;
  let followedByWs = s.length === 1 || WS.includes(s[1]!);
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flow = block = true;
      if ('?:'.includes(ch)) {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '-' && followedByWs) flow = block = true;
    } else {
      if (',?[]{}'.includes(ch)) flow = true;
      if (ch === ':') {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '#' && precededByWs) flow = block = true;
    }
    const code = ch.charCodeAt(0);
    if (ch === '\n') breaks = true;
    else if (!(code >= 0x20 && code <= 0x7e) && !(code >= 0xa0 && code !== 0xfeff)) special = true;
    if (ch === ' ') {
      if (i === 0 || i === s.length - 1) leading = trailing = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (ch === '\n') {
      if (i === 0 || i === s.length - 1) leading = trailing = true;
      prevSpace = false;
      prevBreak = true;
    } else prevSpace = prevBreak = false;
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= s.length || WS.includes(s[i + 2]!);
  }
  void prevSpace;
  const noPlain = leading || trailing || breaks || special;
  return { plain: !noPlain && !block, flowPlain: !noPlain && !flow, single: !breakSpace && !special };
}

function scalar(v: unknown, column: number, inFlow: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isNumber(v)) {
    const n = Number(v);
    if (!Number.isFinite(n)) return Number.isNaN(n) ? '.nan' : n > 0 ? '.inf' : '-.inf';
    if (!isFloat(v)) return Math.abs(n) >= 1e16 ? BigInt(n).toString() : String(n);
    // PyYAML's represent_float: repr(), lower case, and `1e+20` written `1.0e+20` (a valid YAML float).
    const text = floatRepr(n);
    return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
  }
  if (typeof v === 'object' && typeof (v as { fail?: unknown }).fail === 'function') throw new UndefinedError('an undefined value cannot be written as YAML');
  const s = String(v);
  const a = analyze(s);
  if (s.includes('\n') || !a.single) throw new Error(`to_yaml: a string with line breaks or control characters (${JSON.stringify(s.slice(0, 40))}) is written by PyYAML in a style converge does not reproduce; build that part of the file with the template instead`);
  const resolves = RESOLVES.some((r) => r.test(s));
  const out = !resolves && (inFlow ? a.flowPlain : a.plain) ? s : `'${s.replace(/'/g, "''")}'`;
  if (column + out.length > WIDTH && s.includes(' ')) throw new Error(`to_yaml: PyYAML folds strings past ${WIDTH} columns (${JSON.stringify(s.slice(0, 40))}…); converge does not reproduce the folding`);
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isNumber(v);
const sorted = (m: Record<string, unknown>) => Object.keys(m).sort().map((k) => [k, m[k]] as const);
const isCollection = (v: unknown) => Array.isArray(v) || isMap(v);

function flowOf(v: unknown, column: number): string {
  if (Array.isArray(v)) return `[${v.map((x) => flowOf(x, column)).join(', ')}]`;
  if (isMap(v)) return `{${sorted(v).map(([k, x]) => `${scalar(k, column, true)}: ${flowOf(x, column)}`).join(', ')}}`;
  return scalar(v, column, true);
}

/** yaml.dump(value) as PyYAML writes it. */
export function pyYaml(value: unknown, options: YamlOptions): string {
  const ind = options.indent;
  const inline = (v: unknown) => options.flow === 'flow' || (options.flow === 'auto' && (Array.isArray(v) ? v : isMap(v) ? Object.values(v) : []).every((x) => !isCollection(x)));
  const lines: string[] = [];
  // Emit `v` whose first line continues `head` (text already on the line) at `depth` spaces of indentation.
  const node = (v: unknown, head: string, depth: number): void => {
    const empty = (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0);
    if (!isCollection(v) || empty || inline(v)) {
      lines.push(head + (isCollection(v) ? flowOf(v, head.length) : scalar(v, head.length, false)));
      return;
    }
    if (Array.isArray(v)) {
      let first = head.trim() === '' || head.trimEnd().endsWith('-') ? head : null;
      if (first === null) lines.push(head.trimEnd());
      v.forEach((item) => {
        // PyYAML: a scalar follows `- `; a nested block collection starts at the indentation column.
        const block = isCollection(item) && !inline(item) && !((Array.isArray(item) && item.length === 0) || (isMap(item) && Object.keys(item).length === 0));
        const prefix = (first ?? ' '.repeat(depth)) + '-' + ' '.repeat(block ? ind - 1 : 1);
        first = null;
        node(item, prefix, depth + ind);
      });
      return;
    }
    let first: string | null = head.trim() === '' || head.trimEnd().endsWith('-') ? head : null;
    if (first === null) lines.push(head.trimEnd());
    for (const [k, x] of sorted(v)) {
      const key = (first ?? ' '.repeat(depth)) + scalar(k, depth, false) + ':';
      first = null;
      const nested = isCollection(x) && !inline(x) && !((Array.isArray(x) && x.length === 0) || (isMap(x) && Object.keys(x).length === 0));
      if (nested && Array.isArray(x)) {
        lines.push(key);
        node(x, ' '.repeat(depth), depth);
      } else if (nested) {
        lines.push(key);
        node(x, ' '.repeat(depth + ind), depth + ind);
      } else node(x, key + ' ', depth + ind);
    }
  };
  if (!isCollection(value)) return `${scalar(value, 0, false)}\n...\n`;
  node(value, '', 0);
  return lines.join('\n') + '\n';
}
