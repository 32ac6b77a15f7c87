// nunjucks errors are terse and often have no position ("expected endif, got end
// of file"). Here they become a message an operator can act on, pointing where
// the problem starts: the unclosed tag, the undefined expression, the filter.
import path from 'node:path';

/** A problem inside a template's text (1-based), possibly in an included file. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    /** Repository-relative file of the template that failed, when it is a file. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const POSITION = /\[Line (\d+), Column (\d+)\]/;
const BLOCK_TAGS = ['if', 'for', 'macro', 'block', 'call', 'filter', 'raw', 'verbatim', 'set', 'asyncEach', 'asyncAll'];

/** Turn a nunjucks error into a TemplateError with a position in the template text. */
export function explainTemplateError(
  error: unknown,
  text: string | undefined,
  file: string | undefined,
  readFile?: (file: string) => string | undefined,
): TemplateError {
  const raw = error instanceof Error ? error.message : String(error);
  // nunjucks nests: "(a.njk)\n  Template render error: (b.njk) [Line 1…]\n  Error: …" — take the innermost.
  const paths = [...raw.matchAll(/\(([^()\n]+)\)(?: \[Line \d+, Column \d+\])?\n/g)].map((m) => m[1]!);
  const inner = paths.at(-1);
  const where = inner && inner !== 'unknown path' ? inner : file;
  const source = where && where !== file ? readFile?.(where) : text ?? (where ? readFile?.(where) : undefined);
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  let message = (lines.at(-1) ?? raw).replace(/^(?:(?:Sandbox|TemplateBudget|Undefined|Type|Range)?Error|Template render error):\s*/, '').replace(/^parse\w+:\s*/, '');
  const positions = [...raw.matchAll(new RegExp(POSITION, 'g'))];
  const pos = positions.at(-1);
  let line = pos ? Number(pos[1]) : 0;
  let column = pos ? Number(pos[2]) : 0;

  if (/attempted to output null or undefined value/.test(message)) {
    const expr = source && line ? expressionAt(source, line, column) : undefined;
    message = expr ? `undefined value: ${expr} (a variable or key that does not exist; use | default(...) if it is optional)` : 'undefined value in an expression';
  } else if (/got end of file|unexpected end of file|expected (block )?end/.test(message) && source) {
    const open = unclosedTag(source);
    if (open) {
      line = open.line;
      column = open.column;
      message = `{% ${open.tag} %} is never closed (expected {% end${open.tag} %})`;
    }
  } else if (/filter not found: (\S+)/.test(message) && source) {
    const name = /filter not found: (\S+)/.exec(message)![1]!;
    const at = find(source, new RegExp(`\\|\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
    if (at) ({ line, column } = at);
    message = `unknown filter '${name}'`;
  } else if (/template not found: (.+)/.test(message)) {
    message = `included template not found: ${/template not found: (.+)/.exec(message)![1]}`;
  } else if (/Maximum call stack size exceeded/.test(message)) {
    const at = source ? find(source, /\{%-?\s*(include|import|from|extends|macro)\b/) : undefined;
    if (at) ({ line, column } = at);
    message = 'the template never ends: an {% include %} or a macro calls itself without a way out';
  } else if (!pos && source && where) {
    // A template the loader refused (missing, outside the repository): nunjucks gives no position; find the tag that names it.
    const at = tagNaming(source, where, /'([^']+)'|template (\S+)/.exec(message)?.slice(1).find(Boolean));
    if (at) ({ line, column } = at);
  }
  return new TemplateError(message, line || 1, column || 1, where);
}

/** The `{{ … }}` expression around a 1-based line/column. */
function expressionAt(source: string, line: number, column: number): string | undefined {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const start = text.lastIndexOf('{{', column - 1 + 1);
  const from = start >= 0 ? start : column - 1;
  const end = text.indexOf('}}', from);
  return end >= 0 ? text.slice(from, end + 2) : text.slice(from).trim();
}

/** The first block tag opened and never closed, by a stack scan of the tags. */
function unclosedTag(source: string): { tag: string; line: number; column: number } | undefined {
  const stack: { tag: string; offset: number }[] = [];
  const tagPattern = /\{%-?\s*(\w+)([^%]*)%\}/g;
  let m: RegExpExecArray | null;
  let raw = false;
  while ((m = tagPattern.exec(source))) {
    const word = m[1]!;
    if (raw) {
      if (word === 'endraw' || word === 'endverbatim') {
        raw = false;
        stack.pop();
      }
      continue;
    }
    if (word === 'set' && m[2]!.includes('=')) continue; // `{% set x = 1 %}` has no end tag
    if (BLOCK_TAGS.includes(word)) {
      stack.push({ tag: word, offset: m.index });
      if (word === 'raw' || word === 'verbatim') raw = true;
    } else if (word.startsWith('end')) {
      const want = word.slice(3);
      const idx = stack.map((s) => s.tag).lastIndexOf(want);
      if (idx >= 0) stack.splice(idx);
    }
  }
  const open = stack[0];
  if (!open) return undefined;
  return { tag: open.tag, ...positionOf(source, open.offset) };
}

/** The include / import / extends tag of `source` (the template `from`) that names the template `name`. */
function tagNaming(source: string, from: string, name: string | undefined): { line: number; column: number } | undefined {
  if (!name) return undefined;
  for (const m of source.matchAll(/\{%-?\s*(?:include|import|from|extends)\s+(["'])(.*?)\1/g)) {
    const written = m[2]!;
    if (written === name || path.posix.join(path.posix.dirname(from), written) === name) return positionOf(source, m.index);
  }
  return undefined;
}

function find(source: string, pattern: RegExp): { line: number; column: number } | undefined {
  const m = pattern.exec(source);
  return m ? positionOf(source, m.index) : undefined;
}

function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
