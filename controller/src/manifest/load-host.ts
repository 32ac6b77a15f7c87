// Load one host: host.yml, its roles, every resource file; template, validate
// and order everything. All problems are collected as diagnostics with
// file:line:column; a host with any diagnostic yields no resources at all.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from '../platform/zod.js';
import type { Diagnostic, SourceLocation } from './diagnostics.js';
import { formatLocation } from './diagnostics.js';
import { locate, locateInScalar, nodeAt, parseYamlFile } from './yaml.js';
import { withYamlFloats } from './yaml-floats.js';
import type { YamlFile } from './yaml.js';
import { HOST_NAME, HostFile, ResourceFileTop } from './host-schema.js';
import type { MaintenanceWindow } from './window-schema.js';
import { normalizeCheck } from './check-schema.js';
import type { HostCheck, LoadedCheck } from './check-schema.js';
import { zodDiagnostics } from './zod-diagnostics.js';
import { TemplateEngine, TemplateError } from './template.js';
import type { TemplateContext } from './template.js';
import { isMapping, renderDeep } from './render.js';
import type { RenderProblem } from './render.js';
import { whyExcluded } from './when.js';
import { excludedNote, noteExcluded } from './when-excluded.js';
import type { ExcludedIds } from './when-excluded.js';
import { suggest } from './suggest.js';
import { notAMapping } from './resource-item.js';
import { duplicateInLoop, expandEntry } from './loop.js';
import { When } from '../resources/shared/fields.js';
import { resourceType, resourceTypes } from '../resources/registry.js';
import { resourceSchema } from '../resources/schemas.js';
import type { HostInfo, PrepareHelper, Resource, ResourceType, Spec } from '../resources/types.js';
import { buildGraph, describeCycle } from '../engine/graph.js';
import type { Graph } from '../engine/graph.js';
import { hostPaths } from '../platform/paths.js';
import type { HostPaths } from '../platform/paths.js';
import { placeholderFacts } from '../platform/facts.js';
import type { Facts } from '../platform/facts.js';
import { messageOf } from '../platform/errors.js';
import { isDir, isFile, listDir, listHosts, readRepoFile, repoReadError, yamlFilesIn } from './repo-files.js';
import { loadSecretsMap, resolveEnvFile, SECRETS_MAP_FILE } from '../secrets/map.js';
import type { SecretsMapFile } from '../secrets/map.js';

// Built once: a zod schema built per resource cost 15 ms over 1,000 of them.
const OPTIONAL_WHEN = When.optional();

/** A host that validated: everything the engine needs. */
export interface LoadedHost {
  repo: string;
  host: HostInfo;
  prune: boolean;
  paths: HostPaths;
  /** Resources in convergence order. */
  resources: Resource[];
  graph: Graph;
  /** Repository-relative files this host was built from (manifests and templates). */
  files: string[];
  /** Health checks run after each converge (host.yml `checks:`), templated. */
  checks?: LoadedCheck[];
  /** `window:` of host.yml, else of its roles: when new commits may be applied. */
  window?: MaintenanceWindow;
  /** Each resource's spec hash by id, when the load cache already knows it (the engine computes the rest). */
  specHashes?: ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** Facts of the machine; placeholders when validating for another machine. */
  facts?: Facts;
  /** Reuse one template engine across hosts of the same repository. */
  templates?: TemplateEngine;
  /** Reuse secrets-map.yml read once for the whole fleet (read when a resource needs it otherwise). */
  secretsMap?: SecretsMapFile;
}

interface Origin {
  yaml: YamlFile;
  path: (string | number)[];
}

/** Load and validate `hosts/<name>/` of `repo`. */
export function loadHost(repo: string, name: string, options: LoadOptions = {}): { host: LoadedHost | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const hostDirRel = `hosts/${name}`;
  const hostFileRel = `${hostDirRel}/host.yml`;
  if (!HOST_NAME.test(name)) {
    return { host: null, diagnostics: [{ file: hostDirRel, line: 1, column: 1, message: `'${name}' is not a valid host name: a lowercase DNS label (a-z, 0-9, -; at most 63)` }] };
  }
  if (!isDir(path.join(repo, hostDirRel))) {
    const known = listHosts(repo);
    const hint = suggest(name, known);
    return { host: null, diagnostics: [{ file: hostDirRel, line: 1, column: 1, message: `no host '${name}' in this repository${hint ? ` (did you mean '${hint}'?)` : known.length ? `; hosts: ${known.join(', ')}` : ''}` }] };
  }
  if (!isFile(path.join(repo, hostFileRel)) && isFile(path.join(repo, hostDirRel, 'host.yaml'))) {
    return { host: null, diagnostics: [{ file: `${hostDirRel}/host.yaml`, line: 1, column: 1, message: 'rename this file host.yml: a host is described by its host.yml' }] };
  }
  const hostYaml = readYaml(repo, hostFileRel, diagnostics, 'every host folder needs a host.yml (os, roles, vars)');
  if (!hostYaml) return { host: null, diagnostics };
  if (hostYaml.value === null || hostYaml.value === undefined) {
    diagnostics.push({ file: hostFileRel, line: 1, column: 1, message: 'host.yml is empty: it needs at least os: (linux, macos or windows)' });
    return { host: null, diagnostics };
  }
  const parsedHost = HostFile.safeParse(hostYaml.value, { reportInput: true });
  if (!parsedHost.success) {
    diagnostics.push(...zodDiagnostics(parsedHost.error, hostYaml, [], { what: 'host.yml', knownKeys: () => Object.keys(HostFile.shape) }));
    return { host: null, diagnostics };
  }
  const hostSpec = parsedHost.data;
  const files = [hostFileRel];

  // Roles: each a folder under hosts/_roles/ with at least one *.yml.
  const roleFiles: { role: string; rel: string }[] = [];
  hostSpec.roles.forEach((role, i) => {
    const dirRel = `hosts/_roles/${role}`;
    const ymls = isDir(path.join(repo, dirRel)) ? yamlFilesIn(path.join(repo, dirRel)) : [];
    if (ymls.length === 0) {
      const known = listDir(path.join(repo, 'hosts/_roles')).filter((d) => isDir(path.join(repo, 'hosts/_roles', d)));
      const hint = suggest(role, known);
      const why = isDir(path.join(repo, dirRel))
        ? `role '${role}' has no *.yml file in ${dirRel}/`
        : isFile(path.join(repo, dirRel))
          ? `no role '${role}': ${dirRel} is a file, and a role is a folder of *.yml files`
          : `no role '${role}' (no folder ${dirRel}/)`;
      diagnostics.push({ ...locate(hostYaml, ['roles', i]), message: `${why}${hint ? ` (did you mean '${hint}'?)` : ''}` });
    }
    for (const f of ymls) roleFiles.push({ role, rel: `${dirRel}/${f}` });
  });
  const hostFiles = yamlFilesIn(path.join(repo, hostDirRel)).filter((f) => f !== 'host.yml' && f !== 'host.yaml').map((f) => `${hostDirRel}/${f}`);

  // Parse every resource file once.
  const parsed: { rel: string; yaml: YamlFile; top: ResourceFileTop; isRole: boolean }[] = [];
  for (const { rel, isRole } of [...roleFiles.map((r) => ({ rel: r.rel, isRole: true })), ...hostFiles.map((rel) => ({ rel, isRole: false }))]) {
    const yaml = readYaml(repo, rel, diagnostics);
    if (!yaml) continue;
    files.push(rel);
    if (yaml.value === null || yaml.value === undefined) continue; // an empty file is allowed
    const top = ResourceFileTop.safeParse(yaml.value, { reportInput: true });
    if (!top.success) {
      diagnostics.push(...zodDiagnostics(top.error, yaml, [], { what: 'a resource file', knownKeys: () => (isRole ? ['resources', 'vars', 'window'] : ['resources']) }));
      continue;
    }
    if (!isRole && top.data.vars !== undefined) {
      diagnostics.push({ ...locate(yaml, ['vars'], true), message: `vars belong in ${hostFileRel}; only role files may set default vars` });
    }
    if (!isRole && top.data.window !== undefined) {
      diagnostics.push({ ...locate(yaml, ['window'], true), message: `window belongs in ${hostFileRel} (or a role file)` });
    }
    parsed.push({ rel, yaml, top: top.data, isRole });
  }

  const window = hostSpec.window ?? roleWindow(parsed.filter((x) => x.isRole), hostFileRel, diagnostics);

  // Vars: role defaults (in role order) < host vars, then rendered.
  const origins = new Map<string, Origin>();
  const rawVars: Record<string, unknown> = {};
  for (const p of parsed.filter((x) => x.isRole)) {
    for (const [k, v] of Object.entries(p.top.vars ?? {})) {
      rawVars[k] = withYamlFloats(p.yaml, ['vars', k], v, diagnostics);
      origins.set(k, { yaml: p.yaml, path: ['vars', k] });
    }
  }
  for (const [k, v] of Object.entries(hostSpec.vars)) {
    rawVars[k] = withYamlFloats(hostYaml, ['vars', k], v, diagnostics);
    origins.set(k, { yaml: hostYaml, path: ['vars', k] });
  }
  // The machine's facts apply only to a host of the same OS (plan --root of a Windows host on Linux gets placeholders).
  const facts = options.facts && options.facts.os === hostSpec.os ? options.facts : placeholderFacts(name, hostSpec.os, hostSpec.arch);
  const arch = hostSpec.arch ?? facts.arch;
  const hostRef = { name, os: hostSpec.os, arch };
  let templates: TemplateEngine;
  try {
    templates = options.templates ?? new TemplateEngine(repo);
    templates.beginHost();
  } catch (error) {
    return { host: null, diagnostics: [{ file: hostFileRel, line: 1, column: 1, message: messageOf(error) }] };
  }
  const vars = renderVars(rawVars, origins, templates, { host: hostRef, facts: facts as unknown as Record<string, unknown> }, diagnostics);
  const user = typeof vars.user === 'string' ? vars.user : undefined;
  const paths = hostPaths(hostSpec.os, user);
  const host: HostInfo = { ...hostRef, vars };
  const checks = loadChecks(hostSpec.checks, hostYaml, templates, { host, vars, facts: facts as unknown as Record<string, unknown> }, diagnostics);

  // Resources.
  const resources: Resource[] = [];
  const declared = new Map<string, { at: SourceLocation; item?: string; entry: unknown }>();
  const invalid = new Set<string>(); // resources with errors of their own: a reference to one is not another error
  const refs: { from: Resource; origin: Origin; field: 'requires' | 'notify' }[] = [];
  let secretsMap: SecretsMapFile | undefined;
  const envFilesUsed = new Set<string>();
  const scope: HostScope = {
    host, paths, templates, facts, repo, files, envFilesUsed, excluded: new Map(),
    secretsMap: () => (secretsMap ??= options.secretsMap ?? loadSecretsMap(repo)),
  };
  for (const p of parsed) {
    const dirRel = path.posix.dirname(p.rel);
    (p.top.resources ?? []).forEach((item, index) => {
      const origin: Origin = { yaml: p.yaml, path: ['resources', index] };
      const loopScope = { host, templates, context: { host, vars, facts: facts as unknown as Record<string, unknown> }, templateDiagnostic,
        load: (entry: unknown, bound: Record<string, unknown>) => loadResource(entry, origin, dirRel, scope, diagnostics, bound) };
      for (const { resource, loop } of expandEntry(item, origin, loopScope, diagnostics)) {
        if (resource === 'excluded') continue;
        if (!resource) {
          const id = loop ? null : writtenId(item, paths);
          if (id) invalid.add(id);
          continue;
        }
        const key = `${resource.type}:${paths.key(resource.title)}`;
        const prior = declared.get(key);
        if (prior) {
          diagnostics.push(loop ? duplicateInLoop(resource.id, loop, { ...prior, sameLoop: prior.entry === item })
            : { ...resource.source, message: `duplicate id ${resource.id}: already declared at ${formatLocation(prior.at)}; ids are unique per host (a host does not override a role's resource: vary it with vars)` });
          continue;
        }
        declared.set(key, { at: resource.source, item: loop?.item, entry: item });
        resources.push(resource);
        for (const field of ['requires', 'notify'] as const) refs.push({ from: resource, origin, field });
      }
    });
  }

  // A host that uses env files fails with the map's errors that concern it, where they are.
  if (secretsMap) {
    diagnostics.push(...secretsMap.fileDiagnostics);
    for (const name of envFilesUsed) diagnostics.push(...(secretsMap.envFiles.get(name)?.diagnostics ?? []));
  }

  // requires/notify must name resources of this host.
  const ids = new Set(resources.map((r) => r.id));
  for (const { from, origin, field } of refs) {
    from[field].forEach((target, i) => {
      if (target === from.id) {
        diagnostics.push({ ...locate(origin.yaml, [...origin.path, field, i]), message: `${field} ${target}: a resource cannot ${field === 'requires' ? 'require' : 'notify'} itself` });
        return;
      }
      if (ids.has(target) || invalid.has(target)) return;
      const note = excludedNote(scope.excluded, target);
      const hint = note ? `: it is ${note}` : suggest(target, [...ids]);
      diagnostics.push({
        ...locate(origin.yaml, [...origin.path, field, i]),
        message: `${field} ${target}, which ${name} does not declare${note ? hint : hint ? ` (did you mean ${hint}?)` : ''}`,
      });
    });
  }
  for (const r of resources) {
    const type = resourceType(r.type)!;
    if (!type.runsLast) {
      for (const t of r.requires) {
        if (resourceType(t.split(':')[0]!)?.runsLast && ids.has(t)) {
          diagnostics.push({ ...r.source, message: `${r.id} requires ${t}, which is always converged last` });
        }
      }
    }
  }

  const graph = buildGraph(resources, resourceType, host, paths);
  for (const cycle of graph.cycles) {
    const first = resources.find((r) => r.id === cycle.ids[0])!;
    diagnostics.push({ ...first.source, message: describeCycle(cycle) });
  }
  if (diagnostics.length > 0) return { host: null, diagnostics };
  for (const f of templates.filesRead) files.push(f);
  return { host: { repo, host, prune: hostSpec.prune, paths, resources: graph.order, graph, files: [...new Set(files)], checks, ...(window ? { window } : {}) }, diagnostics };
}

/** Template and normalise host.yml `checks:`; problems become diagnostics at the check. */
function loadChecks(written: HostCheck[], yaml: YamlFile, templates: TemplateEngine, context: TemplateContext, diagnostics: Diagnostic[]): LoadedCheck[] {
  const out: LoadedCheck[] = [];
  const seen = new Map<string, number>();
  written.forEach((check, i) => {
    const problems: RenderProblem[] = [];
    const rendered = renderDeep(check, templates, context, problems, []) as HostCheck;
    for (const p of problems) diagnostics.push(templateDiagnostic(p, { yaml, path: ['checks', i] }));
    if (problems.length) return;
    if (rendered.unit !== undefined && context.host.os !== 'linux') {
      diagnostics.push({ ...locate(yaml, ['checks', i, 'unit'], true), message: `unit checks are for systemd; ${context.host.name} is a ${context.host.os} host` });
      return;
    }
    try {
      const loaded = normalizeCheck(rendered);
      const prior = seen.get(loaded.name);
      if (prior !== undefined) {
        diagnostics.push({ ...locate(yaml, ['checks', i]), message: `two checks are named ${loaded.name}: give one a name: (reports tell checks apart by name)` });
        return;
      }
      seen.set(loaded.name, i);
      out.push(loaded);
    } catch (error) {
      diagnostics.push({ ...locate(yaml, ['checks', i, 'tcp']), message: messageOf(error) });
    }
  });
  return out;
}

interface HostScope {
  host: HostInfo;
  paths: HostPaths;
  templates: TemplateEngine;
  facts: Facts;
  repo: string;
  files: string[];
  /** secrets-map.yml, read on first use. */
  secretsMap(): SecretsMapFile;
  /** Env files this host's resources refer to. */
  envFilesUsed: Set<string>;
  /** Resources a `when:` leaves out here, for a reference to one. */
  excluded: ExcludedIds;
}

/** The resource, null when it has errors (diagnostics say which), or 'excluded' when its `when:` leaves it out of this host. */
function loadResource(item: unknown, origin: Origin, dirRel: string, scope: HostScope, diagnostics: Diagnostic[], bound: Record<string, unknown> = {}): Resource | 'excluded' | null {
  const { yaml } = origin;
  const at = (sub: (string | number)[], key = false) => locate(yaml, [...origin.path, ...sub], key);
  if (!isMapping(item)) {
    diagnostics.push({ ...at([]), message: notAMapping(item) });
    return null;
  }
  const keys = Object.keys(item);
  const typeName = keys[0] ?? '';
  const type = resourceType(typeName);
  if (!type) {
    const known = resourceTypes.map((t) => t.name);
    const elsewhere = keys.find((k) => resourceType(k));
    const hint = suggest(typeName, known);
    const message = elsewhere
      ? `the first key of a resource names its type: put '${elsewhere}:' first (found '${typeName}' first)`
      : `unknown resource type '${typeName}'${hint ? ` (did you mean '${hint}'?)` : ''}; known types: ${known.join(', ')}`;
    diagnostics.push({ ...at([typeName], true), message });
    return null;
  }
  const whenParsed = OPTIONAL_WHEN.safeParse(item.when, { reportInput: true });
  if (!whenParsed.success) {
    diagnostics.push(...zodDiagnostics(whenParsed.error, yaml, [...origin.path, 'when'], { what: 'when', knownKeys: () => ['os', 'host', 'var'] }));
    return null;
  }
  const hostVars = { ...scope.host.vars, ...bound }; // a loop's item and index, as vars
  const why = whyExcluded(whenParsed.data, { ...scope.host, vars: hostVars });
  if (why) {
    const id = writtenId(item, scope.paths);
    if (id) noteExcluded(scope.excluded, id, at([]), why);
    return 'excluded';
  }
  if (!type.os.includes(scope.host.os)) {
    diagnostics.push({ ...at([typeName], true), message: `${typeName} resources exist only on ${type.os.join(', ')} hosts; ${scope.host.name} is ${scope.host.os} (add when: { os: ${type.os[0]} })` });
    return null;
  }

  const problems: RenderProblem[] = [];
  const baseContext: TemplateContext = { host: scope.host, vars: hostVars, facts: scope.facts as unknown as Record<string, unknown> };
  let vars = hostVars;
  if (item.vars !== undefined) {
    if (!isMapping(item.vars)) {
      diagnostics.push({ ...at(['vars']), message: 'vars must be a mapping' });
      return null;
    }
    const written = withYamlFloats(yaml, [...origin.path, 'vars'], item.vars, diagnostics);
    vars = { ...vars, ...(renderDeep(written, scope.templates, baseContext, problems, ['vars'], true) as Record<string, unknown>) };
  }
  const context: TemplateContext = { ...baseContext, vars };
  const rendered: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    rendered[k] = k === 'when' || k === 'vars' ? v : renderDeep(v, scope.templates, context, problems, [k]);
  }
  if (typeof rendered[typeName] === 'number') rendered[typeName] = String(rendered[typeName]);
  for (const p of problems) diagnostics.push(templateDiagnostic(p, origin));

  const parsed = resourceSchema(type.name).safeParse(rendered, { reportInput: true });
  if (!parsed.success) {
    // Beside a broken template the rest of the resource is still checked; what lies inside an unrendered value is not.
    const issues = parsed.error.issues.filter((issue) => !problems.some((p) => p.path.every((k, i) => issue.path[i] === k)));
    if (issues.length > 0) diagnostics.push(...zodDiagnostics(new z.ZodError(issues), yaml, origin.path, { what: `a ${typeName} resource`, knownKeys: (at) => shapeKeys(type, at) }));
    return null;
  }
  if (problems.length > 0) return null;
  let spec = parsed.data as Spec;
  let title = String(spec[typeName]);
  if (type.titleIsPath) {
    try {
      title = scope.paths.canonical(title);
      spec = { ...spec, [typeName]: title };
    } catch (error) {
      diagnostics.push({ ...at([typeName]), message: messageOf(error) });
      return null;
    }
  }
  const problemsOf = type.check?.(spec, scope.host) ?? [];
  for (const p of problemsOf) diagnostics.push({ ...at(p.path, true), message: p.message });
  if (problemsOf.length > 0) return null;

  if (type.prepare) {
    try {
      spec = type.prepare(spec, prepareHelper(dirRel, scope, context, typeName));
    } catch (error) {
      for (const e of error instanceof AggregateError ? error.errors : [error]) diagnostics.push(prepareDiagnostic(e, origin, `${typeName}:${title}`));
      return null;
    }
  }
  return {
    id: `${typeName}:${title}`,
    type: typeName,
    title,
    spec,
    requires: (spec.requires as string[] | undefined) ?? [],
    notify: (spec.notify as string[] | undefined) ?? [],
    source: at([]),
  };
}

/** The id a resource that did not load was written with, when it can be told (`file: /etc/x`). */
function writtenId(item: unknown, paths: HostPaths): string | null {
  if (!isMapping(item)) return null;
  const typeName = Object.keys(item)[0] ?? '';
  const type = resourceType(typeName);
  const title = item[typeName];
  if (!type || (typeof title !== 'string' && typeof title !== 'number')) return null;
  try {
    return `${typeName}:${type.titleIsPath ? paths.normalize(String(title)) : String(title)}`;
  } catch {
    return null;
  }
}

/** An error from prepare: which field (a key or a path in the resource), and (for templates) where inside the template file. */
class FieldError extends Error {
  constructor(readonly field: string | (string | number)[], readonly inner: unknown) {
    super(messageOf(inner));
  }
}

function prepareHelper(dirRel: string, scope: HostScope, context: TemplateContext, typeName: string): PrepareHelper {
  const resolve = (field: string, written: string): string => {
    try {
      return scope.templates.resolveRepoPath(dirRel, written);
    } catch (error) {
      throw new FieldError(field, error);
    }
  };
  return {
    readSource(written) {
      const rel = resolve('source', written);
      scope.files.push(rel);
      try {
        const full = path.join(scope.templates.root, rel);
        const size = statSync(full).size;
        if (size > 64 * 2 ** 20) throw new Error(`'${written}' is ${(size / 2 ** 20).toFixed(0)} MiB; sources may be at most 64 MiB`);
        return readFileSync(full);
      } catch (error) {
        throw new FieldError('source', error);
      }
    },
    renderTemplate(written) {
      const rel = resolve('template', written);
      scope.files.push(rel);
      try {
        return scope.templates.renderFile(rel, context);
      } catch (error) {
        throw new FieldError('template', error);
      }
    },
    envFile(name, field = [typeName]) {
      const map = scope.secretsMap();
      if (map.present) scope.files.push(SECRETS_MAP_FILE);
      scope.envFilesUsed.add(name);
      try {
        return resolveEnvFile(map, name, scope.paths);
      } catch (error) {
        throw new FieldError(field, error);
      }
    },
  };
}

function prepareDiagnostic(error: unknown, origin: Origin, id: string): Diagnostic {
  const field = error instanceof FieldError ? (Array.isArray(error.field) ? error.field : [error.field]) : [];
  const inner = error instanceof FieldError ? error.inner : error;
  const declared = locate(origin.yaml, [...origin.path, ...field]);
  if (inner instanceof TemplateError && inner.file) {
    return { file: inner.file, line: inner.line, column: inner.column, message: `${inner.message} (rendering ${id}, declared at ${formatLocation(declared)})` };
  }
  const name = field.length ? field.map((f, i) => (typeof f === 'number' ? `[${f}]` : i ? `.${f}` : f)).join('') : '';
  return { ...declared, message: `${name ? `${name}: ` : ''}${messageOf(inner)}` };
}

function templateDiagnostic(problem: RenderProblem, origin: Origin): Diagnostic {
  const fullPath = [...origin.path, ...problem.path];
  if (problem.error instanceof TemplateError) {
    const node = nodeAt(origin.yaml, fullPath);
    const where = locateInScalar(origin.yaml, node, problem.error.line, problem.error.column);
    return { ...where, message: `template: ${problem.error.message}` };
  }
  return { ...locate(origin.yaml, fullPath), message: `template: ${messageOf(problem.error)}` };
}

/**
 * Render vars that refer to other vars, facts or the host: each var once, when
 * first used, so a var sees the others rendered and a cycle is an error naming it.
 */
function renderVars(
  raw: Record<string, unknown>,
  origins: Map<string, Origin>,
  templates: TemplateEngine,
  base: Omit<TemplateContext, 'vars'>,
  diagnostics: Diagnostic[],
): Record<string, unknown> {
  const rendered = new Map<string, unknown>();
  const rendering: string[] = [];
  const problems: RenderProblem[] = [];
  const vars: Record<string, unknown> = {};
  const valueOf = (k: string): unknown => {
    if (rendered.has(k)) return rendered.get(k);
    if (rendering.includes(k)) {
      throw new Error(`vars refer to each other in a cycle: ${[...rendering.slice(rendering.indexOf(k)), k].join(' → ')}`);
    }
    rendering.push(k);
    try {
      const value = renderDeep(raw[k], templates, { ...base, vars }, problems, [k], true);
      rendered.set(k, value);
      return value;
    } finally {
      rendering.pop();
    }
  };
  for (const k of Object.keys(raw)) Object.defineProperty(vars, k, { enumerable: true, get: () => valueOf(k) });
  const out = Object.fromEntries(Object.keys(raw).map((k) => [k, valueOf(k)]));
  for (const p of problems) {
    const origin = origins.get(String(p.path[0]))!;
    diagnostics.push(templateDiagnostic({ ...p, path: p.path.slice(1) }, { yaml: origin.yaml, path: origin.path }));
  }
  return out;
}

function readYaml(repo: string, rel: string, diagnostics: Diagnostic[], missingHint?: string): YamlFile | null {
  let bytes: Uint8Array;
  try {
    bytes = readRepoFile(repo, rel);
  } catch (error) {
    const message = missingHint && (error as { code?: string }).code === 'ENOENT' ? `missing: ${missingHint}` : repoReadError(error);
    diagnostics.push({ file: rel, line: 1, column: 1, message });
    return null;
  }
  const { yaml, diagnostics: found } = parseYamlFile(rel, bytes);
  diagnostics.push(...found);
  return yaml;
}

type SchemaNode = { _zod?: { def?: { type?: string; shape?: Record<string, SchemaNode>; innerType?: SchemaNode; in?: SchemaNode; element?: SchemaNode; valueType?: SchemaNode; options?: SchemaNode[] } } };

/** The fields of the mapping at `at` inside a type's schema (a nested one like keepAlive too), for "did you mean". */
function shapeKeys(type: ResourceType, at: readonly PropertyKey[] = []): string[] {
  const unwrap = (node: SchemaNode | undefined): SchemaNode | undefined => {
    for (let def = node?._zod?.def; def; def = node?._zod?.def) {
      const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
      if (!inner) break;
      node = inner;
    }
    return node;
  };
  // One step down (a field, a list item, a record value); a union takes the first option that has it.
  const step = (node: SchemaNode | undefined, part: PropertyKey | null): SchemaNode | undefined => {
    const n = unwrap(node);
    const def = n?._zod?.def;
    if (def?.type === 'union') return def.options?.map((o) => step(o, part)).find(Boolean);
    if (part === null) return def?.shape ? n : undefined;
    return typeof part === 'number' ? def?.element : def?.shape?.[String(part)] ?? def?.valueType;
  };
  let node: SchemaNode | undefined = resourceSchema(type.name) as unknown as SchemaNode;
  for (const part of at) node = step(node, part);
  node = step(node, null);
  return Object.keys(node?._zod?.def?.shape ?? {});
}

/** The window the host's roles set: one, or the same one in several; two different ones are an error unless host.yml chooses. */
function roleWindow(roleFiles: { rel: string; yaml: YamlFile; top: ResourceFileTop }[], hostFileRel: string, diagnostics: Diagnostic[]): MaintenanceWindow | undefined {
  const withWindow = roleFiles.filter((f) => f.top.window !== undefined);
  const first = withWindow[0];
  if (!first) return undefined;
  for (const other of withWindow.slice(1)) {
    if (isDeepStrictEqual(other.top.window, first.top.window)) continue;
    diagnostics.push({ ...locate(other.yaml, ['window'], true), message: `a second maintenance window for this host: ${first.rel} sets another one (${formatLocation(locate(first.yaml, ['window'], true))}); set window: in ${hostFileRel} to choose` });
  }
  return first.top.window;
}
