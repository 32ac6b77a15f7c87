// Templates: nunjucks (Jinja-compatible) over `host`, `vars` and `facts`.
// Undefined values are errors. Errors come back as a position inside the
// template text so callers can point at the file and line.
import nunjucks from 'nunjucks';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { addAnsibleFilters } from './template-filters.js';
import { explainTemplateError, TemplateError } from './template-errors.js';
import { GIT_DIR_REFUSAL, inGitDir } from './repo-files.js';

export interface TemplateContext {
  host: { name: string; os: string; arch: string };
  vars: Record<string, unknown>;
  facts: Record<string, unknown>;
}

export { TemplateError } from './template-errors.js';

const MAX_TEMPLATE_BYTES = 1024 * 1024;
const MARKERS = /\{\{|\{%|\{#/;

/** True when a string contains template syntax at all (the fast path skips the rest). */
export function isTemplated(text: string): boolean {
  return MARKERS.test(text);
}

/** Renders strings and files for one fleet repository. */
export class TemplateEngine {
  private readonly env: nunjucks.Environment;
  private readonly compiled = new Map<string, nunjucks.Template>();
  private readonly resolved = new Map<string, string>();
  private readonly repoReal: string;
  /** Repository-relative files the templates read (includes too). */
  readonly filesRead = new Set<string>();

  constructor(repo: string) {
    this.repoReal = realpathSync(repo);
    const loader = new RepoLoader(this.repoReal, this.filesRead);
    this.env = new nunjucks.Environment(loader, {
      throwOnUndefined: true,
      autoescape: false,
      trimBlocks: true, // as Ansible's template module, so existing .j2 files render unchanged
    });
    addAnsibleFilters(this.env);
  }

  /** The repository's real path: template and source names are relative to it. */
  get root(): string {
    return this.repoReal;
  }

  /**
   * Render a string value. A value that is one `{{ expression }}` keeps the
   * expression's type (a boolean, number or list), as Ansible does.
   */
  renderValue(text: string, context: TemplateContext): unknown {
    if (!isTemplated(text)) return text;
    const whole = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(text);
    if (whole) {
      const json = this.renderString(`{{ (${whole[1]}) | dump }}`, context, text);
      try {
        return JSON.parse(json) as unknown;
      } catch {
        return this.renderString(text, context);
      }
    }
    return this.renderString(text, context);
  }

  /** Render a template given as text. `shownAs` is the text errors should quote. */
  renderString(text: string, context: TemplateContext, shownAs = text): string {
    if (!isTemplated(text)) return text;
    let template = this.compiled.get(text);
    try {
      if (!template) {
        template = new nunjucks.Template(text, this.env, undefined, true);
        this.compiled.set(text, template);
      }
      return template.render(context as object);
    } catch (error) {
      throw explainTemplateError(error, shownAs, undefined);
    }
  }

  /** Render a template file given by its path relative to the repository. */
  renderFile(relPath: string, context: TemplateContext): string {
    const name = relPath.split(path.sep).join('/');
    try {
      return this.env.render(name, context as object);
    } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw explainTemplateError(error, undefined, name, (file) => this.readForMessage(file));
    }
  }

  /**
   * Resolve a path written in a manifest (relative to the manifest's folder) to a
   * repository-relative path, refusing anything that leaves the repository.
   */
  resolveRepoPath(fromDir: string, written: string): string {
    // A thousand resources naming the same template resolve it once (a realpath walks every component).
    const key = `${fromDir}\0${written}`;
    let rel = this.resolved.get(key);
    if (rel === undefined) {
      rel = resolveInside(this.repoReal, path.join(this.repoReal, fromDir), written);
      this.resolved.set(key, rel);
    }
    return rel;
  }

  private readFileText(rel: string): string {
    return readFileSync(path.join(this.repoReal, rel), 'utf8');
  }

  private readForMessage(rel: string): string | undefined {
    try {
      return this.readFileText(rel);
    } catch {
      return undefined;
    }
  }
}

/** Repository-relative path of `written` (relative to `baseDir`); throws when it escapes `repoReal`. */
export function resolveInside(repoReal: string, baseDir: string, written: string): string {
  if (path.isAbsolute(written)) {
    throw new Error(`'${written}' is absolute; template and source paths are relative to the manifest's folder`);
  }
  const joined = path.resolve(baseDir, written);
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    const rel = path.relative(repoReal, joined);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`'${written}' points outside the repository`);
    throw new Error(`'${written}' does not exist (looked for ${rel.split(path.sep).join('/')})`);
  }
  const rel = path.relative(repoReal, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`'${written}' points outside the repository; templates and sources must live in it`);
  }
  if (inGitDir(rel)) throw new Error(`'${written}' ${GIT_DIR_REFUSAL}`);
  if (statSync(real).isDirectory()) throw new Error(`'${written}' is a folder; name a file in it`);
  return rel.split(path.sep).join('/');
}

/** Loads templates by repository-relative name, only from inside the repository. */
class RepoLoader extends nunjucks.Loader implements nunjucks.ILoader {
  constructor(
    private readonly repoReal: string,
    private readonly read: Set<string>,
  ) {
    super();
  }

  getSource(name: string): nunjucks.LoaderSource {
    const rel = resolveInside(this.repoReal, this.repoReal, name);
    this.read.add(rel);
    const full = path.join(this.repoReal, rel);
    const size = statSync(full).size;
    if (size > MAX_TEMPLATE_BYTES) throw new Error(`template ${rel} is ${(size / 2 ** 20).toFixed(1)} MiB; templates may be at most 1 MiB`);
    const bytes = readFileSync(full);
    let src: string;
    try {
      src = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`template ${rel} is not valid UTF-8 text`);
    }
    return { src, path: rel, noCache: false };
  }

  override resolve(from: string, to: string): string {
    return path.posix.join(path.posix.dirname(from), to);
  }
}
