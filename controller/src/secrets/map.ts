// secrets-map.yml as the loader and `converge validate` see it: parsed with
// source positions, each env file checked on its own (schema, variables that
// differ only in case, two env files on one path), and resolved for one
// host's OS. A broken entry blocks only the hosts that use it.
import { z } from '../platform/zod.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { formatLocation } from '../manifest/diagnostics.js';
import { locate, parseYamlFile } from '../manifest/yaml.js';
import { readRepoFile, repoReadError } from '../manifest/repo-files.js';
import type { YamlFile } from '../manifest/yaml.js';
import { zodDiagnostics } from '../manifest/zod-diagnostics.js';
import { suggest } from '../manifest/suggest.js';
import type { HostPaths } from '../platform/paths.js';
import { OSES } from '../platform/os.js';
import type { OS } from '../platform/os.js';
import { ConvergeError, errnoOf, messageOf } from '../platform/errors.js';
import { ENV_FILE_NAME, EnvFileEntry } from './schema.js';
import type { ResolvedEnvFile } from '../resources/types.js';

/** Where the map lives, relative to the repository root. */
export const SECRETS_MAP_FILE = 'secrets-map.yml';

/** One env file of the map: the entry when it validates, and its own problems. */
export interface EnvFileDeclaration {
  entry: EnvFileEntry | null;
  diagnostics: Diagnostic[];
}

/** secrets-map.yml, read once. */
export interface SecretsMapFile {
  /** False when the repository has no secrets-map.yml. */
  present: boolean;
  yaml: YamlFile | null;
  /** Problems of the file as a whole (YAML, top-level keys, env file names): they block every host that uses env files. */
  fileDiagnostics: Diagnostic[];
  /** Every env file declared, valid or not. */
  envFiles: Map<string, EnvFileDeclaration>;
  /** Every problem, for `converge validate`. */
  diagnostics: Diagnostic[];
}

// The top level alone; each entry is checked by itself below.
const Top = z.strictObject({
  envFiles: z.record(z.string().regex(ENV_FILE_NAME, { error: 'an env file name is lowercase letters, digits, . _ -' }), z.unknown(), {
    error: 'envFiles must be a mapping of env file names',
  }),
});

/** Read and check `secrets-map.yml` of `repo`. */
export function loadSecretsMap(repo: string): SecretsMapFile {
  let bytes: Uint8Array;
  try {
    bytes = readRepoFile(repo, SECRETS_MAP_FILE);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return build(false, null, [], new Map());
    return build(true, null, [{ file: SECRETS_MAP_FILE, line: 1, column: 1, message: repoReadError(error) }], new Map());
  }
  const { yaml, diagnostics } = parseYamlFile(SECRETS_MAP_FILE, bytes);
  if (!yaml) return build(true, null, diagnostics.map(explainDuplicate), new Map());
  const top = Top.safeParse(yaml.value ?? {}, { reportInput: true });
  const fileDiagnostics = top.success ? [] : zodDiagnostics(top.error, yaml, [], { what: SECRETS_MAP_FILE, knownKeys: () => ['envFiles'] });
  const envFiles = new Map<string, EnvFileDeclaration>();
  const files = isObject(yaml.value) && isObject(yaml.value.envFiles) ? yaml.value.envFiles : {};
  for (const [name, raw] of Object.entries(files)) {
    if (!ENV_FILE_NAME.test(name)) continue; // reported above
    const parsed = EnvFileEntry.safeParse(raw, { reportInput: true });
    const found = parsed.success ? [] : zodDiagnostics(parsed.error, yaml, ['envFiles', name], { what: `env file '${name}'`, knownKeys: entryKeys }).map(explainMode);
    envFiles.set(name, { entry: parsed.success ? parsed.data : null, diagnostics: found });
  }
  for (const [name, d] of [...caseDuplicates(yaml), ...sharedPaths(yaml)]) {
    const declaration = envFiles.get(name);
    if (!declaration) continue;
    declaration.diagnostics.push(d);
    declaration.entry = null;
  }
  return build(true, yaml, fileDiagnostics, envFiles);
}

function build(present: boolean, yaml: YamlFile | null, fileDiagnostics: Diagnostic[], envFiles: Map<string, EnvFileDeclaration>): SecretsMapFile {
  const diagnostics = [...fileDiagnostics, ...[...envFiles.values()].flatMap((d) => d.diagnostics)];
  return { present, yaml, fileDiagnostics, envFiles, diagnostics };
}

/** The env file `name` for a host with these path rules. Throws ConvergeError('invalid-input') naming what is wrong. */
export function resolveEnvFile(file: SecretsMapFile, name: string, paths: HostPaths): ResolvedEnvFile {
  if (!file.present) {
    throw new ConvergeError('invalid-input', `env file '${name}' needs ${SECRETS_MAP_FILE} at the repository root, and there is none`);
  }
  if (!file.yaml) throw new ConvergeError('invalid-input', `env file '${name}' cannot be resolved: ${SECRETS_MAP_FILE} does not parse (see its errors)`);
  const declared = file.envFiles.get(name);
  if (!declared) {
    const known = [...file.envFiles.keys()];
    const hint = suggest(name, known);
    const list = known.length ? `; it declares: ${known.join(', ')}` : '; it declares none';
    throw new ConvergeError('invalid-input', `no env file '${name}' in ${SECRETS_MAP_FILE}${hint ? ` (did you mean '${hint}'?)` : list}`);
  }
  const where = formatLocation(locate(file.yaml, ['envFiles', name]));
  const entry = declared.entry;
  if (!entry) throw new ConvergeError('invalid-input', `env file '${name}' (${where}) does not validate (see its errors)`);
  const written = pathFor(entry, paths.os);
  if (written === undefined) {
    throw new ConvergeError('invalid-input', `env file '${name}' (${where}) has no path for ${paths.os} hosts: add path: { ${paths.os}: … }`);
  }
  let normalized: string;
  try {
    normalized = paths.canonical(written);
  } catch (error) {
    throw new ConvergeError('invalid-input', `env file '${name}' (${where}): path ${messageOf(error)}`, { cause: error });
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

function entryKeys(at: PropertyKey[]): string[] {
  if (at.length === 0) return ['description', 'path', 'owner', 'group', 'vars'];
  if (at.length === 1 && at[0] === 'path') return [...OSES];
  return [];
}

type RawEntry = [name: string, entry: Record<string, unknown>];

/** The env file entries of a parsed (maybe invalid) map that are mappings. */
function rawEntries(value: unknown): RawEntry[] {
  const files = isObject(value) ? value.envFiles : undefined;
  if (!isObject(files)) return [];
  return Object.entries(files).filter((e): e is RawEntry => isObject(e[1]));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Variables that differ only in case: Windows treats them as one, and on Linux they are a typo waiting to happen. */
function caseDuplicates(yaml: YamlFile): [string, Diagnostic][] {
  const out: [string, Diagnostic][] = [];
  for (const [name, entry] of rawEntries(yaml.value)) {
    if (!isObject(entry.vars)) continue;
    const seen = new Map<string, string>();
    for (const v of Object.keys(entry.vars)) {
      const first = seen.get(v.toUpperCase());
      if (first !== undefined) {
        out.push([name, { ...locate(yaml, ['envFiles', name, 'vars', v], true), message: `duplicate variable '${v}' in env file '${name}': it differs from '${first}' only in case` }]);
      } else {
        seen.set(v.toUpperCase(), v);
      }
    }
  }
  return out;
}

/** Two env files rendered to the same path on one OS would overwrite each other. */
function sharedPaths(yaml: YamlFile): [string, Diagnostic][] {
  // One diagnostic per clash and place, naming every OS it happens on (a path shared by all is one problem, not three).
  const clashes = new Map<string, { name: string; at: (string | number)[]; text: string; oses: OS[] }>();
  for (const os of OSES) {
    const owners = new Map<string, string>();
    for (const [name, entry] of rawEntries(yaml.value)) {
      const p = typeof entry.path === 'string' ? entry.path : isObject(entry.path) ? entry.path[os] : undefined;
      if (typeof p !== 'string') continue;
      const key = os === 'windows' ? p.replace(/\\/g, '/').toLowerCase() : p;
      const first = owners.get(key);
      if (first !== undefined) {
        const at = typeof entry.path === 'string' ? ['envFiles', name, 'path'] : ['envFiles', name, 'path', os];
        const text = `env files '${first}' and '${name}' both go to ${p}`;
        const id = `${at.join('\0')}\0${text}`;
        const clash = clashes.get(id) ?? { name, at, text, oses: [] };
        clash.oses.push(os);
        clashes.set(id, clash);
      } else {
        owners.set(key, name);
      }
    }
  }
  return [...clashes.values()].map(({ name, at, text, oses }) => [
    name,
    { ...locate(yaml, at), message: `${text}${oses.length === OSES.length ? '' : ` on ${oses.join(' and ')}`}; each env file needs its own path` },
  ]);
}

/** "unknown field 'mode'" → why there is none. */
function explainMode(d: Diagnostic): Diagnostic {
  return /^unknown field 'mode'/.test(d.message) ? { ...d, message: "unknown field 'mode': an env file's mode is always 0600" } : d;
}

/** A duplicate key (named, with both lines, by the YAML reader), and why it matters here. */
function explainDuplicate(d: Diagnostic): Diagnostic {
  const m = /^YAML: key '(.*)' given twice, (on [^:]+):/.exec(d.message);
  return m ? { ...d, message: `duplicate key '${m[1]}', ${m[2]}: each env file and each variable of an env file appears once` } : d;
}
