// A cache of loaded hosts, so a no-op run does not re-parse, re-template and
// re-validate manifests that have not changed. An entry is used only when
// every input is byte-for-byte the same: each file the load read (manifests,
// templates, sources, includes; absent ones too), each folder listing, the
// facts, and converge's own code. Anything else is a miss and a full load.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LoadedHost, LoadOptions } from './load-host.js';
import type { Diagnostic } from './diagnostics.js';
import type { HostInfo, Resource } from '../resources/types.js';
import { resourceType } from '../resources/registry.js';
import { buildGraph } from '../engine/graph.js';
import { hostPaths } from '../platform/paths.js';
import { writeFileAtomicSync } from '../platform/fs-atomic.js';
import { sha256Hex } from '../platform/hash.js';
import { hashOf, stableJson } from '../engine/stable-json.js';
import { codeRoot } from '../platform/install-root.js';

const FORMAT = 3;

interface CacheEntry {
  format: number;
  key: string;
  files: { rel: string; sha: string | null }[];
  dirs: { rel: string; entries: string }[];
  host: { host: HostInfo; prune: boolean; resources: Resource[]; files: string[]; checks?: LoadedHost['checks']; window?: LoadedHost['window'] };
  /** hashOf each resource's spec, in the order of `host.resources` (a no-op run compares them with the inventory's). */
  specHashes: string[];
}

export interface CachedLoadOptions extends LoadOptions {
  /** Folder for cache entries; none disables the cache. */
  cacheDir?: string;
  /** Write a new entry after a full load (apply, agent); plan only reads. */
  write?: boolean;
}

/** loadHost, answered from the cache when nothing it depends on changed. */
export async function loadHostCached(repo: string, name: string, options: CachedLoadOptions): Promise<{ host: LoadedHost | null; diagnostics: Diagnostic[]; cached: boolean }> {
  const file = options.cacheDir ? path.join(options.cacheDir, `${name}.json`) : null;
  const key = cacheKey(name, options);
  if (file) {
    const hit = readEntry(file, key, repo);
    if (hit) return { host: hit, diagnostics: [], cached: true };
  }
  // The full loader (yaml, nunjucks) is imported only on a miss.
  const { loadHost } = await import('./load-host.js');
  const { host, diagnostics } = loadHost(repo, name, options);
  // Hosts with sensitive content are not cached: the cache would be one more copy of it at rest.
  if (file && host && options.write && !host.resources.some((r) => r.spec.sensitive === true)) {
    const specHashes = host.resources.map((r) => hashOf(r.spec));
    host.specHashes = new Map(host.resources.map((r, i) => [r.id, specHashes[i]!]));
    const entry: CacheEntry = {
      format: FORMAT,
      key,
      files: host.files.map((rel) => ({ rel, sha: shaOf(path.join(repo, rel)) })),
      dirs: inputDirs(host).map((rel) => ({ rel, entries: listing(path.join(repo, rel)) })),
      host: { host: host.host, prune: host.prune, resources: host.resources, files: host.files, checks: host.checks, ...(host.window ? { window: host.window } : {}) },
      specHashes,
    };
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomicSync(file, JSON.stringify(entry), { mode: 0o600 });
    } catch {
      // The cache is an optimisation: a state dir we cannot write is reported elsewhere.
    }
  }
  return { host, diagnostics, cached: false };
}

function readEntry(file: string, key: string, repo: string): LoadedHost | null {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    return null;
  }
  if (entry.format !== FORMAT || entry.key !== key) return null;
  for (const f of entry.files) if (shaOf(path.join(repo, f.rel)) !== f.sha) return null;
  for (const d of entry.dirs) if (listing(path.join(repo, d.rel)) !== d.entries) return null;
  const { host, resources, prune, files, checks, window } = entry.host;
  if (resources.some((r) => !resourceType(r.type)) || entry.specHashes?.length !== resources.length) return null;
  const paths = hostPaths(host.os, typeof host.vars.user === 'string' ? host.vars.user : undefined);
  // kept in the order a full load gave them, of a host with no cycle (one with a cycle is not cached)
  const graph = buildGraph(resources, resourceType, host, paths, { ordered: true });
  const specHashes = new Map(resources.map((r, i) => [r.id, entry.specHashes[i]!]));
  return { repo, host, prune, paths, resources: graph.order, graph, files, checks, ...(window ? { window } : {}), specHashes };
}

/** Folders whose listing decides which manifests a host has. */
function inputDirs(host: LoadedHost): string[] {
  return [...new Set(host.files.filter((f) => /^hosts\/[^/]+(\/[^/]+)?\/[^/]+\.ya?ml$/.test(f)).map((f) => path.posix.dirname(f)))];
}

function cacheKey(name: string, options: LoadOptions): string {
  return sha256Hex(stableJson({ name, facts: options.facts ?? null, code: codeFingerprint() }));
}

let fingerprint: string | undefined;
/** Size and mtime of every file of converge's compiled code: a new build is a new cache. */
function codeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const dist = codeRoot();
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(js|ts)$/.test(e.name)) {
        const st = statSync(full);
        hash.update(`${full}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(dist);
  fingerprint = hash.digest('hex');
  return fingerprint;
}

function shaOf(file: string): string | null {
  try {
    return sha256Hex(readFileSync(file));
  } catch {
    return null;
  }
}

function listing(dir: string): string {
  try {
    return readdirSync(dir).sort().join('\n');
  } catch {
    return '';
  }
}
