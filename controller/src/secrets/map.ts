// secrets-map.yml as the loader and `converge validate` see it: parsed with
// source positions, checked beyond its schema (duplicate variables, two env
// files on one path), and resolved for one host's OS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { formatLocation } from '../manifest/diagnostics.js';
import { locate, parseYamlFile } from '../manifest/yaml.js';
import type { YamlFile } from '../manifest/yaml.js';
import { zodDiagnostics } from '../manifest/zod-diagnostics.js';
import { suggest } from '../manifest/suggest.js';
import type { HostPaths } from '../platform/paths.js';
import { OSES } from '../platform/os.js';
import type { OS } from '../platform/os.js';
import { ConvergeError, errnoOf, messageOf } from '../platform/errors.js';
import { SecretsMap } from './schema.js';
import type { EnvFileEntry } from './schema.js';

/** Where the map lives, relative to the repository root. */
export const SECRETS_MAP_FILE = 'secrets-map.yml';

/** secrets-map.yml, read once: the map when it validates, and every problem found. */
export interface SecretsMapFile {
  /** False when the repository has no secrets-map.yml. */
  present: boolean;
  /** The map, when present and valid. */
  map: SecretsMap | null;
  yaml: YamlFile | null;
  diagnostics: Diagnostic[];
}

/** An env file of the map, resolved for one host. */
export interface EnvFileRef {
  name: string;
  /** Normalised path on the host. */
  path: string;
  owner?: string;
  group?: string;
  /** VAR → Key Vault secret name, in the map's order. */
  vars: Record<string, string>;
}

/** Read and check `secrets-map.yml` of `repo`. */
export function loadSecretsMap(repo: string): SecretsMapFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path.join(repo, SECRETS_MAP_FILE));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { present: false, map: null, yaml: null, diagnostics: [] };
    return { present: true, map: null, yaml: null, diagnostics: [{ file: SECRETS_MAP_FILE, line: 1, column: 1, message: `cannot read: ${messageOf(error)}` }] };
  }
  const { yaml, diagnostics } = parseYamlFile(SECRETS_MAP_FILE, bytes);
  if (!yaml) return { present: true, map: null, yaml: null, diagnostics: diagnostics.map((d) => explainDuplicate(d, bytes)) };
  const parsed = SecretsMap.safeParse(yaml.value ?? {});
  if (!parsed.success) {
    const found = zodDiagnostics(parsed.error, yaml, [], { what: SECRETS_MAP_FILE, knownKeys: knownKeys });
    return { present: true, map: null, yaml, diagnostics: found };
  }
  const problems = [...caseDuplicates(parsed.data, yaml), ...sharedPaths(parsed.data, yaml)];
  return { present: true, map: problems.length ? null : parsed.data, yaml, diagnostics: problems };
}

/** The env file `name` for a host with these path rules. Throws ConvergeError('invalid-input') naming what is wrong. */
export function resolveEnvFile(file: SecretsMapFile, name: string, paths: HostPaths): EnvFileRef {
  if (!file.present) {
    throw new ConvergeError('invalid-input', `env file '${name}' needs ${SECRETS_MAP_FILE} at the repository root, and there is none`);
  }
  if (!file.map) throw new ConvergeError('invalid-input', `env file '${name}' cannot be resolved: ${SECRETS_MAP_FILE} does not validate (see its errors)`);
  const entry = Object.hasOwn(file.map.envFiles, name) ? file.map.envFiles[name] : undefined;
  if (!entry) {
    const known = Object.keys(file.map.envFiles);
    const hint = suggest(name, known);
    const list = known.length ? `; it declares: ${known.join(', ')}` : '; it declares none';
    throw new ConvergeError('invalid-input', `no env file '${name}' in ${SECRETS_MAP_FILE}${hint ? ` (did you mean '${hint}'?)` : list}`);
  }
  const where = file.yaml ? ` (${formatLocation(locate(file.yaml, ['envFiles', name, 'path']))})` : '';
  const written = pathFor(entry, paths.os);
  if (written === undefined) {
    throw new ConvergeError('invalid-input', `env file '${name}' has no path for ${paths.os} hosts in ${SECRETS_MAP_FILE}${where}: add path: { ${paths.os}: … }`);
  }
  let normalized: string;
  try {
    normalized = paths.normalize(written);
  } catch (error) {
    throw new ConvergeError('invalid-input', `env file '${name}', path in ${SECRETS_MAP_FILE}${where}: ${messageOf(error)}`, { cause: error });
  }
  const posix = paths.os !== 'windows';
  return {
    name,
    path: normalized,
    ...(posix && entry.owner !== undefined ? { owner: entry.owner } : {}),
    ...(posix && entry.group !== undefined ? { group: entry.group } : {}),
    vars: { ...entry.vars },
  };
}

/** The path an entry gives for `os`, if any. */
export function pathFor(entry: EnvFileEntry, os: OS): string | undefined {
  return typeof entry.path === 'string' ? entry.path : entry.path[os];
}

function knownKeys(at: PropertyKey[]): string[] {
  if (at.length === 0) return ['envFiles'];
  if (at.length === 2) return ['description', 'path', 'owner', 'group', 'vars'];
  if (at.length === 3 && at[2] === 'path') return [...OSES];
  return [];
}

/** Variables that differ only in case: Windows treats them as one, and on Linux they are a typo waiting to happen. */
function caseDuplicates(map: SecretsMap, yaml: YamlFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, entry] of Object.entries(map.envFiles)) {
    const seen = new Map<string, string>();
    for (const v of Object.keys(entry.vars)) {
      const first = seen.get(v.toUpperCase());
      if (first !== undefined) {
        out.push({ ...locate(yaml, ['envFiles', name, 'vars', v], true), message: `duplicate variable '${v}' in env file '${name}': it differs from '${first}' only in case` });
      } else {
        seen.set(v.toUpperCase(), v);
      }
    }
  }
  return out;
}

/** Two env files rendered to the same path on one OS would overwrite each other. */
function sharedPaths(map: SecretsMap, yaml: YamlFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const os of OSES) {
    const owners = new Map<string, string>();
    for (const [name, entry] of Object.entries(map.envFiles)) {
      const p = pathFor(entry, os);
      if (p === undefined) continue;
      const key = os === 'windows' ? p.replace(/\\/g, '/').toLowerCase() : p;
      const first = owners.get(key);
      if (first !== undefined) {
        const at = typeof entry.path === 'string' ? ['envFiles', name, 'path'] : ['envFiles', name, 'path', os];
        out.push({ ...locate(yaml, at), message: `env files '${first}' and '${name}' both go to ${p} on ${os}; each env file needs its own path` });
      } else {
        owners.set(key, name);
      }
    }
  }
  return out;
}

/** "YAML: Map keys must be unique" → which key, and why it matters here. */
function explainDuplicate(d: Diagnostic, bytes: Uint8Array): Diagnostic {
  if (!/Map keys must be unique/.test(d.message)) return d;
  const line = Buffer.from(bytes).toString('utf8').split('\n')[d.line - 1] ?? '';
  const key = /^["']?([^"':\s]+)/.exec(line.slice(d.column - 1))?.[1];
  return key ? { ...d, message: `duplicate key '${key}': each env file and each variable of an env file appears once` } : d;
}
