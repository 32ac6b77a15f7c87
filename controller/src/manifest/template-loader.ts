// Template files as Ansible's template module reads them: only from inside the
// repository, UTF-8, at most 1 MiB, an optional `#jinja2:` first line that sets
// Jinja2 options, trim_blocks after comments too, and one trailing newline
// dropped (Jinja2's keep_trailing_newline=False; the engine adds back what
// Ansible adds back).
import nunjucks from 'nunjucks';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveInside } from './template.js';

/** The Jinja2 options a template may set. */
export interface JinjaOptions {
  trim_blocks: boolean;
  lstrip_blocks: boolean;
  keep_trailing_newline: boolean;
}

/** Ansible's template module defaults. */
export const ANSIBLE_DEFAULTS: JinjaOptions = { trim_blocks: true, lstrip_blocks: false, keep_trailing_newline: false };

const MAX_TEMPLATE_BYTES = 1024 * 1024;
const HEADER = '#jinja2:';

/** Newlines at the end of `text`. */
export function countTrailingNewlines(text: string): number {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\n'; i--) n++;
  return n;
}

/** Jinja2's trim_blocks also removes the newline after a comment; nunjucks' does not. */
export function trimAfterComments(src: string, options: JinjaOptions): string {
  return options.trim_blocks && src.includes('{#') ? src.replace(/#\}\r?\n/g, '#}') : src;
}

function readText(repoReal: string, rel: string): string {
  const full = path.join(repoReal, rel);
  const size = statSync(full).size;
  if (size > MAX_TEMPLATE_BYTES) throw new Error(`template ${rel} is ${(size / 2 ** 20).toFixed(1)} MiB; templates may be at most 1 MiB`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(full));
  } catch {
    throw new Error(`template ${rel} is not valid UTF-8 text`);
  }
}

/** Split off the `#jinja2: key: value, …` first line (Ansible's override header). */
function splitHeader(src: string, rel: string): { options: JinjaOptions; body: string } {
  if (!src.startsWith(HEADER)) return { options: ANSIBLE_DEFAULTS, body: src };
  const eol = src.indexOf('\n');
  const line = src.slice(HEADER.length, eol < 0 ? undefined : eol);
  const options = { ...ANSIBLE_DEFAULTS };
  for (const pair of line.split(',')) {
    const at = pair.indexOf(':');
    if (at < 0) throw new Error(`${rel}:1: the #jinja2: header takes key: value pairs separated by commas`);
    const key = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (!(key in options)) throw new Error(`${rel}:1: #jinja2: ${key} is not supported (trim_blocks, lstrip_blocks and keep_trailing_newline are)`);
    if (!['True', 'False', 'true', 'false'].includes(value)) throw new Error(`${rel}:1: #jinja2: ${key} takes True or False`);
    options[key as keyof JinjaOptions] = value.toLowerCase() === 'true';
  }
  return { options, body: eol < 0 ? '' : src.slice(eol + 1) };
}

/** The options of a template file and the newlines its text ends with (after the header). */
export function readHeader(repoReal: string, rel: string): { options: JinjaOptions; trailingNewlines: number } {
  const safe = resolveInside(repoReal, repoReal, rel);
  const { options, body } = splitHeader(readText(repoReal, safe), safe);
  return { options, trailingNewlines: countTrailingNewlines(body) };
}

/** Loads templates by repository-relative name, only from inside the repository. */
export class RepoLoader extends nunjucks.Loader implements nunjucks.ILoader {
  constructor(
    private readonly repoReal: string,
    private readonly read: Set<string>,
    private readonly options: JinjaOptions,
  ) {
    super();
  }

  getSource(name: string): nunjucks.LoaderSource {
    const rel = resolveInside(this.repoReal, this.repoReal, name);
    this.read.add(rel);
    let { body } = splitHeader(readText(this.repoReal, rel), rel);
    if (!this.options.keep_trailing_newline && body.endsWith('\n')) body = body.slice(0, body.endsWith('\r\n') ? -2 : -1);
    return { src: trimAfterComments(body, this.options), path: rel, noCache: false };
  }

  override resolve(from: string, to: string): string {
    return path.posix.join(path.posix.dirname(from), to);
  }
}
