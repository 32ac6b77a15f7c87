// Env files are named in secrets-map.yml and rendered by the envFile type.
// Types that read one (a container's envFiles, a mount's credentials) take its
// name, or an absolute path, and need its path on the host: the loader's
// helper resolves names against the map (an unknown name is a diagnostic at
// the field that names it).
import type { PrepareHelper } from '../types.js';

/** An env file reference: its path on the host, and the envFile resource id when it was given by name. */
export interface EnvFileRef {
  path: string;
  id?: string;
}

/** True for a reference given as a path rather than a name. */
export function isPathRef(ref: string): boolean {
  return ref.startsWith('/') || ref.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(ref);
}

/**
 * Resolve env file names (or paths); `field` is where the list (or the single name) is written.
 * Every name is tried: more than one failure is thrown as an AggregateError of them.
 */
export function resolveEnvFiles(refs: readonly string[], helper: PrepareHelper, field: (string | number)[]): EnvFileRef[] {
  const errors: unknown[] = [];
  const resolved = refs.map((ref, i): EnvFileRef => {
    if (isPathRef(ref)) return { path: ref };
    const at = refs.length === 1 && field.length === 1 && field[0] !== 'envFiles' ? field : [...field, i];
    try {
      return { path: helper.envFile(ref, at).path, id: `envFile:${ref}` };
    } catch (error) {
      errors.push(error);
      return { path: ref };
    }
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} env files cannot be resolved`);
  return resolved;
}

/** `envFile:<name>` ids of the references given by name (for autoRequires / autoSubscribe). */
export function envFileIds(refs: readonly string[] | undefined): string[] {
  return (refs ?? []).filter((r) => !isPathRef(r)).map((r) => `envFile:${r}`);
}
