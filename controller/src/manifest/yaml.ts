// YAML with source positions. Every manifest goes through `parseYamlFile`, which
// refuses what would hang or mislead (huge files, bad UTF-8, alias bombs) and
// keeps where each node is so later errors can point at the exact node. The
// quick read (yaml-fast.ts) gives the value and most positions; the `yaml`
// Document is built on first use, or at once when the quick read gives up.
import { CST, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Parser } from 'yaml';
import type { Alias, Document, Node, Pair } from 'yaml';
import type { Diagnostic, SourceLocation } from './diagnostics.js';
import { locateFast, parseFast } from './yaml-fast.js';
import type { FastNode } from './yaml-fast.js';

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Alias expansions allowed per document (the yaml library's own guard, made explicit). */
const MAX_ALIAS_COUNT = 100;

export interface YamlFile {
  /** Path relative to the repository, for messages. */
  file: string;
  /** The `yaml` Document, parsed on first use when the quick read took the file. */
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The decoded text. */
  text: string;
  /** The plain JS value. */
  value: unknown;
  /** Where the quick read found each node, when it took the file. */
  fast?: FastNode;
}

const PARSE_OPTIONS = { prettyErrors: false, merge: true, uniqueKeys: true, strict: true } as const;

/** Parse YAML bytes; returns the file (value undefined on failure) and its diagnostics. `quick: false` skips the quick read (tests compare the two). */
export function parseYamlFile(file: string, bytes: Uint8Array, options: { quick?: boolean } = {}): { yaml: YamlFile | null; diagnostics: Diagnostic[] } {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    const mb = (bytes.byteLength / 2 ** 20).toFixed(1);
    return fail(file, 1, 1, `file is ${mb} MiB; a manifest may be at most 1 MiB (is this really a manifest?)`);
  }
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') {
    return fail(file, text.line, text.column, `not valid UTF-8: byte 0x${text.byte.toString(16).padStart(2, '0')} at this position; manifests must be UTF-8 text`);
  }
  if (text.includes('\u0000')) {
    const at = positionOf(text, text.indexOf('\u0000'));
    return fail(file, at.line, at.column, 'contains a NUL byte: manifests must be text');
  }
  const fast = options.quick === false ? null : parseFast(text);
  if (fast) return { yaml: quickFile(file, text, fast.value, fast.root), diagnostics: [] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, ...PARSE_OPTIONS });
  const diagnostics: Diagnostic[] = [];
  for (const error of doc.errors) {
    let offset = error.pos[0];
    let message = error.message.split('\n')[0]!;
    if (error.code === 'MISSING_CHAR' && /closing .*quote/i.test(message)) {
      offset = openingQuoteOffset(text, offset) ?? offset;
      message = 'a quoted string is opened here and never closed';
    } else if (error.code === 'BLOCK_AS_IMPLICIT_KEY') {
      message = "a value with ': ' in it, or ending in ':', reads as a nested mapping here: quote it (like mappedDrive: \"X:\" or command: \"echo a: b\")";
    } else if (error.code === 'RESOURCE_EXHAUSTION') {
      message = 'nested too deeply to read (hundreds of [ or { levels); is this really a manifest?';
    } else if (error.code === 'DUPLICATE_KEY') {
      const first = firstOfDuplicate(doc.contents, offset);
      const [a, b] = [lines.linePos(first?.offset ?? 0), lines.linePos(offset)];
      const where = a.line === b.line ? `on line ${b.line}, at columns ${a.col} and ${b.col}` : `on lines ${a.line} and ${b.line}`;
      if (first) message = `key '${first.key}' given twice, ${where}: a key appears once in a mapping, keep one`;
    } else if (error.code === 'MULTIPLE_DOCS') {
      message = 'a manifest is one YAML document, and a second one starts here: remove this ---, or move what follows to a file of its own';
    }
    const at = lines.linePos(offset);
    diagnostics.push({ file, line: at.line, column: at.col, message: `YAML: ${message}` });
  }
  if (diagnostics.length > 0) return { yaml: null, diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const dangling = firstAlias(doc.contents, (a) => !a.resolve(doc));
    const merge = dangling ? null : badMerge(doc, doc.contents);
    const alias = dangling ?? merge ?? firstAlias(doc.contents);
    const at = alias?.range ? lines.linePos(alias.range[0]) : { line: 1, col: 1 };
    const why = dangling
      ? `YAML: alias *${dangling.source} refers to no anchor: define &${dangling.source} before it`
      : merge
        ? 'YAML: a merge key (<<) takes a mapping, an alias of one, or a list of them'
        : error instanceof Error && /excessive alias/i.test(error.message)
        ? `YAML: aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT}); is this an alias bomb?`
        : `YAML: ${error instanceof Error ? error.message : String(error)}`;
    return fail(file, at.line, at.col, why);
  }
  return { yaml: { file, doc, lines, text, value }, diagnostics: [] };
}

/** Where the node at `path` starts (or its nearest ancestor that exists). `key: true` points at the map key instead of its value. */
export function locate(yaml: YamlFile, path: readonly PropertyKey[], key = false): SourceLocation {
  const quick = yaml.fast ? locateFast(yaml.fast, path, key) : null;
  if (quick !== null) {
    const at = linePos(yaml, quick);
    return { file: yaml.file, line: at.line, column: at.col };
  }
  let node: unknown = yaml.doc.contents;
  let best: Node | Pair | null = (node as Node | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (isAlias(node)) node = node.resolve(yaml.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      const last = i === path.length - 1;
      if (last && key) {
        best = pair.key as Node;
        break;
      }
      node = pair.value;
      best = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (!item) break;
      node = item;
      best = item as Node;
    } else {
      break;
    }
  }
  const range = best && 'range' in best ? best.range : undefined;
  const at = yaml.lines.linePos(range?.[0] ?? 0);
  return { file: yaml.file, line: at.line, column: at.col };
}

/** The YAML node at `path`, if present (aliases resolved). */
export function nodeAt(yaml: YamlFile, path: readonly PropertyKey[]): Node | null {
  let node: unknown = yaml.doc.contents;
  for (const part of path) {
    if (isAlias(node)) node = node.resolve(yaml.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      node = pair?.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
    } else {
      return null;
    }
    if (node === undefined || node === null) return null;
  }
  return isAlias(node) ? (node.resolve(yaml.doc) as Node | undefined) ?? null : (node as Node);
}

/**
 * Where a line inside a scalar's text lies in the file: for block scalars (`|`, `>`)
 * the text starts on the line after the indicator; for quoted or plain scalars on the
 * scalar's own line.
 */
export function locateInScalar(yaml: YamlFile, node: Node | null, lineInText: number, columnInText: number): SourceLocation {
  if (!node?.range) return { file: yaml.file, line: 1, column: 1 };
  const start = yaml.lines.linePos(node.range[0]);
  if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) {
    const indent = blockIndent(yaml, node) ?? start.col + 1;
    return { file: yaml.file, line: start.line + lineInText, column: indent + columnInText - 1 };
  }
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
  if (lineInText <= 1) return { file: yaml.file, line: start.line, column: start.col + quoted + columnInText - 1 };
  return { file: yaml.file, line: start.line + lineInText - 1, column: columnInText };
}

/** The column where a block scalar's text starts (its indentation + 1). */
function blockIndent(yaml: YamlFile, node: Node): number | undefined {
  const start = node.range?.[0];
  if (start === undefined) return undefined;
  const eol = yaml.text.indexOf('\n', start);
  if (eol < 0) return undefined;
  const next = /^ */.exec(yaml.text.slice(eol + 1));
  return (next?.[0].length ?? 0) + 1;
}

/** A file the quick read took: the Document and its line counter are made on first use. */
function quickFile(file: string, text: string, value: unknown, root: FastNode): YamlFile {
  let parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;
  const full = () => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { doc: parseDocument(text, { lineCounter: lines, ...PARSE_OPTIONS }), lines };
    }
    return parsed;
  };
  return {
    file,
    text,
    value,
    fast: root,
    get doc() {
      return full().doc;
    },
    get lines() {
      return full().lines;
    },
  };
}

/** Line counters of quickly read files, for their positions without a Document. */
const quickLines = new WeakMap<YamlFile, LineCounter>();

/** 1-based line and column of `offset`: `yaml`'s LineCounter, given the line starts its lexer would give it. */
function linePos(yaml: YamlFile, offset: number): { line: number; col: number } {
  let lines = quickLines.get(yaml);
  if (!lines) {
    lines = new LineCounter();
    lines.addNewLine(0);
    for (let i = yaml.text.indexOf('\n'); i >= 0; i = yaml.text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    quickLines.set(yaml, lines);
  }
  return lines.linePos(offset);
}

function fail(file: string, line: number, column: number, message: string) {
  return { yaml: null, diagnostics: [{ file, line, column, message }] };
}

/** The first alias (that passes `test`, when given). */
function firstAlias(node: unknown, test: (alias: Alias) => boolean = () => true): Alias | null {
  if (isAlias(node)) return test(node) ? node : null;
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const found = isPair(item) ? firstAlias(item.value, test) ?? firstAlias(item.key, test) : firstAlias(item, test);
      if (found) return found;
    }
  }
  return null;
}

/** The value of the first merge key (`<<:`) whose value is not a mapping, an alias of one, or a list of them. */
function badMerge(doc: Document.Parsed, node: unknown): Node | null {
  const isMapping = (n: unknown) => isMap(isAlias(n) ? n.resolve(doc) : n);
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && item.key.source === '<<') {
        const v = item.value;
        if (!(isMapping(v) || (isSeq(v) && v.items.every(isMapping)))) return (v as Node | null) ?? (item.key as Node);
      }
      const found = isPair(item) ? badMerge(doc, item.value) : badMerge(doc, item);
      if (found) return found;
    }
  }
  return null;
}

/** For the map key starting at `offset` that repeats an earlier one: the key and where it was first given. */
function firstOfDuplicate(node: unknown, offset: number): { key: string; offset: number } | null {
  if (!isMap(node) && !isSeq(node)) return null;
  for (const item of node.items) {
    if (isPair(item) && isScalar(item.key) && item.key.range?.[0] === offset && isMap(node)) {
      const key = item.key.value;
      const first = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      const at = (first?.key as Node | undefined)?.range?.[0];
      return at !== undefined && at !== offset ? { key: String(key), offset: at } : null;
    }
    const found = isPair(item) ? firstOfDuplicate(item.value, offset) ?? firstOfDuplicate(item.key, offset) : firstOfDuplicate(item, offset);
    if (found) return found;
  }
  return null;
}

/** The start of the quoted scalar that runs to `errorOffset` unclosed. */
function openingQuoteOffset(text: string, errorOffset: number): number | undefined {
  let found: number | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      const values = [item.key, item.value].filter(Boolean) as CST.Token[];
      for (const v of values) {
        if ((v.type === 'double-quoted-scalar' || v.type === 'single-quoted-scalar') && v.offset <= errorOffset) {
          const end = v.offset + v.source.length;
          const q = v.source[0];
          const closed = v.source.length > 1 && v.source.endsWith(q ?? '');
          if (!closed || end >= errorOffset) found = v.offset;
        }
      }
    });
  }
  return found;
}

type BadByte = { line: number; column: number; byte: number };

/** Decode UTF-8 strictly; on failure, where the first bad byte is. */
function decodeUtf8(bytes: Uint8Array): string | BadByte {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let line = 1;
    let column = 1;
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      let ok = len > 0 && i + len <= bytes.length;
      for (let k = 1; ok && k < len; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
      if (ok && len > 1) ok = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(i, i + len)) !== '\ufffd';
      if (!ok) return { line, column, byte: b };
      if (b === 0x0a) {
        line++;
        column = 1;
      } else {
        column++;
      }
      i += len;
    }
    return { line, column, byte: 0 };
  }
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
