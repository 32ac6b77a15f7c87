// Templates: nunjucks (Jinja-compatible) over `host`, `vars` and `facts`,
// sandboxed (template-sandbox.ts) and within a budget per host
// (template-budget.ts). Undefined values are errors. Errors come back as a
// position inside the template text so callers can point at the file and line.
import nunjucks from 'nunjucks';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { ANSIBLE_DEFAULTS, countTrailingNewlines, readHeader, RepoLoader, trimAfterComments } from './template-loader.js';
import type { JinjaOptions } from './template-loader.js';
import path from 'node:path';
import { addAnsibleFilters } from './template-filters.js';
import { addJinjaFilters } from './template-filters-jinja.js';
import { addNumberFilters } from './template-filters-number.js';
import { addTests, UNDEFINED_TESTS } from './template-tests.js';
import { isUndefined } from './template-undefined.js';
import { explainTemplateError, TemplateError } from './template-errors.js';
import { GIT_DIR_REFUSAL, inGitDir } from './repo-files.js';
import { leavesBase } from '../platform/paths.js';
import { ANSIBLE_NAMES, installSandbox } from './template-sandbox.js';
import { ansibleNames } from './template-ansible-names.js';
import { templateGlobals } from './template-globals.js';
import { Budget, charge, tick, withBudget } from './template-budget.js';
import type { BudgetLimits } from './template-budget.js';
import { nativeJson, parseNative } from './template-float.js';

export interface TemplateContext {
  host: { name: string; os: string; arch: string };
  vars: Record<string, unknown>;
  facts: Record<string, unknown>;
}

export { TemplateError } from './template-errors.js';

const MARKERS = /\{\{|\{%|\{#/;

/** True when a string contains template syntax at all (the fast path skips the rest). */
export function isTemplated(text: string): boolean {
  return MARKERS.test(text);
}

/** Renders strings and files for one fleet repository. */
export class TemplateEngine {
  private readonly env: nunjucks.Environment;
  private readonly envs = new Map<string, nunjucks.Environment>();
  private readonly compiled = new Map<string, nunjucks.Template>();
  private readonly resolved = new Map<string, string>();
  /** Each template file's header, read once per engine (an engine lives for one load of the repository, as nunjucks' own cache does). */
  private readonly headers = new Map<string, ReturnType<typeof readHeader>>();
  private readonly repoReal: string;
  /** Repository-relative files the templates read (includes too). */
  readonly filesRead = new Set<string>();
  private budget: Budget;

  constructor(repo: string, private readonly limits?: BudgetLimits) {
    installSandbox();
    this.budget = new Budget(limits);
    this.repoReal = realpathSync(repo);
    this.env = this.envFor(ANSIBLE_DEFAULTS);
  }

  /** The environment for a set of Jinja2 options (Ansible's defaults, or a file's `#jinja2:` header). */
  private envFor(options: JinjaOptions): nunjucks.Environment {
    const key = JSON.stringify(options);
    let env = this.envs.get(key);
    if (env) return env;
    env = new nunjucks.Environment(new RepoLoader(this.repoReal, this.filesRead, options), {
      throwOnUndefined: true,
      autoescape: false,
      trimBlocks: options.trim_blocks,
      lstripBlocks: options.lstrip_blocks,
    });
    addJinjaFilters(env);
    addNumberFilters(env);
    env.addFilter('converge_native', nativeJson);
    addAnsibleFilters(env);
    addTests(env);
    const globals = (env as unknown as { globals: Record<string, unknown> }).globals;
    for (const name of Object.keys(globals)) delete globals[name];
    for (const [name, fn] of Object.entries(templateGlobals())) env.addGlobal(name, fn);
    chargeFilters(env);
    this.envs.set(key, env);
    return env;
  }

  /** Start a new host: its templates get a fresh budget of steps, memory and time. */
  beginHost(): void {
    this.budget = new Budget(this.limits);
  }

  /** The repository's real path: template and source names are relative to it. */
  get root(): string {
    return this.repoReal;
  }

  /**
   * Render a string value. A value that is one `{{ expression }}` keeps the
   * expression's type (a boolean, number or list), as Ansible does. Its floats are numbers,
   * or with `keepFloats` (vars, loop items: templates read them again) template floats.
   */
  renderValue(text: string, context: TemplateContext, keepFloats = false): unknown {
    if (!isTemplated(text)) return text;
    const whole = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(text);
    if (whole) {
      let json: string;
      try {
        json = this.renderString(`{{ (${whole[1]}) | converge_native }}`, context, text);
      } catch {
        return this.renderString(text, context); // the error as the text itself gives it, at its expression
      }
      try {
        return parseNative(json, keepFloats);
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
        template = new nunjucks.Template(trimAfterComments(text, ANSIBLE_DEFAULTS), this.env, undefined, true);
        this.compiled.set(text, template);
      }
      const compiled = template;
      return withBudget(this.budget, () => compiled.render(renderContext(context)));
    } catch (error) {
      throw explainTemplateError(error, shownAs, undefined);
    }
  }

  /** Render a template file given by its path relative to the repository. */
  renderFile(relPath: string, context: TemplateContext): string {
    const name = relPath.split(path.sep).join('/');
    try {
      let header = this.headers.get(name);
      if (!header) {
        header = readHeader(this.repoReal, name);
        this.headers.set(name, header);
      }
      const { options, trailingNewlines } = header;
      const env = this.envFor(options);
      const out = withBudget(this.budget, () => env.render(name, renderContext(context)));
      // Ansible's rule: the file ends with at least as many newlines as the template does.
      const missing = trailingNewlines - countTrailingNewlines(out);
      return missing > 0 ? out + '\n'.repeat(missing) : out;
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

const namesOf = new WeakMap<object, Record<string, unknown>>();

/** What a template sees: host, vars and facts, vars by their bare names, Ansible's names for the machine. */
function renderContext(context: TemplateContext): object {
  let names = namesOf.get(context.host);
  if (!names) {
    names = ansibleNames(context.host, context.facts);
    namesOf.set(context.host, names);
  }
  return { host: context.host, vars: context.vars, facts: context.facts, [ANSIBLE_NAMES]: names };
}

// Filters that may receive an undefined value; any other fails on one, as with Jinja2's StrictUndefined.
const UNDEFINED_FILTERS = new Set(['default', 'd', 'mandatory']);

/** Count every filter and test call as a step, charge what filters return, and fail on undefined input. */
function chargeFilters(env: nunjucks.Environment): void {
  type Fn = (this: unknown, ...args: unknown[]) => unknown;
  const wrap = (getter: 'getFilter' | 'getTest', tolerant: Set<string>) => {
    const target = env as unknown as Record<string, (name: string) => Fn>;
    const get = target[getter]!.bind(env);
    const wrapped = new Map<string, Fn>();
    target[getter] = (name: string) => {
      let fn = wrapped.get(name);
      if (!fn) {
        const inner = get(name);
        fn = function (this: unknown, ...args: unknown[]) {
          tick();
          if (!tolerant.has(name)) for (const a of args) if (isUndefined(a)) a.fail();
          const result = inner.apply(this, args);
          charge(result);
          return result;
        };
        wrapped.set(name, fn);
      }
      return fn;
    };
  };
  wrap('getFilter', UNDEFINED_FILTERS);
  wrap('getTest', UNDEFINED_TESTS);
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
    if (leavesBase(rel)) throw new Error(`'${written}' points outside the repository`);
    throw new Error(`'${written}' does not exist (looked for ${rel.split(path.sep).join('/')})`);
  }
  const rel = path.relative(repoReal, real);
  if (rel === '' || leavesBase(rel)) {
    throw new Error(`'${written}' points outside the repository; templates and sources must live in it`);
  }
  if (inGitDir(rel)) throw new Error(`'${written}' ${GIT_DIR_REFUSAL}`);
  if (statSync(real).isDirectory()) throw new Error(`'${written}' is a folder; name a file in it`);
  return rel.split(path.sep).join('/');
}
