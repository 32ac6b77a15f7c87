// `when:` conditions: all given keys must hold.
import { isDeepStrictEqual } from 'node:util';
import type { When } from '../resources/shared/fields.js';
import type { HostInfo } from '../resources/types.js';

/** True when the resource is kept on this host. */
export function whenHolds(when: When | undefined, host: HostInfo): boolean {
  if (!when) return true;
  if (when.os !== undefined && !asList(when.os).includes(host.os)) return false;
  if (when.host !== undefined && !asList(when.host).includes(host.name)) return false;
  for (const [name, expected] of Object.entries(when.var ?? {})) {
    const actual = host.vars[name];
    if (Array.isArray(expected) && !Array.isArray(actual)) {
      if (!expected.some((e) => isDeepStrictEqual(e, actual))) return false;
    } else if (!isDeepStrictEqual(expected, actual)) {
      return false;
    }
  }
  return true;
}

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}
