// Env files are named in secrets-map.yml (`envFiles: { litellm: { path: … } }`)
// and rendered by the envFile type. Types that read one (a container's
// envFiles, a mount's credentials) take its name, or an absolute path, and
// need its path on the host: read here, leniently, from the map at load time.
import { parse } from 'yaml';
import type { OS } from '../../platform/os.js';
import type { PrepareHelper } from '../types.js';
import { FieldProblem } from './field-problem.js';

const SECRETS_MAP = 'secrets-map.yml';

/** An env file reference: its path on the host, and the envFile resource id when it was given by name. */
export interface EnvFileRef {
  path: string;
  id?: string;
}

/** True for a reference given as a path rather than a name. */
export function isPathRef(ref: string): boolean {
  return ref.startsWith('/') || ref.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(ref);
}

/** Resolve env file names (or paths) for `os`; throws a FieldProblem on `field` for an unknown name. */
export function resolveEnvFiles(refs: readonly string[], os: OS, helper: PrepareHelper, field: string): EnvFileRef[] {
  const names = refs.filter((r) => !isPathRef(r));
  const map = names.length > 0 ? readMap(helper) : {};
  return refs.map((ref) => {
    if (isPathRef(ref)) return { path: ref };
    const entry = map[ref];
    if (!entry) {
      const known = Object.keys(map);
      throw new FieldProblem(field, `no env file '${ref}' in ${SECRETS_MAP}${known.length ? ` (it names: ${known.join(', ')})` : ''}; give a name from it or an absolute path`);
    }
    const path = typeof entry.path === 'string' ? entry.path : (entry.path as Record<string, unknown> | undefined)?.[os];
    if (typeof path !== 'string' || path === '') throw new FieldProblem(field, `env file '${ref}' in ${SECRETS_MAP} has no path for ${os}`);
    return { path, id: `envFile:${ref}` };
  });
}

function readMap(helper: PrepareHelper): Record<string, { path?: unknown }> {
  const bytes = helper.readRepoFile?.(SECRETS_MAP) ?? null;
  if (!bytes) return {};
  try {
    const doc = parse(Buffer.from(bytes).toString('utf8')) as { envFiles?: Record<string, { path?: unknown }> } | null;
    return doc?.envFiles && typeof doc.envFiles === 'object' ? doc.envFiles : {};
  } catch {
    return {}; // validate reports a broken secrets-map.yml with its own line numbers
  }
}

/** `envFile:<name>` ids of the references given by name (for autoRequires). */
export function envFileIds(refs: readonly string[] | undefined): string[] {
  return (refs ?? []).filter((r) => !isPathRef(r)).map((r) => `envFile:${r}`);
}
