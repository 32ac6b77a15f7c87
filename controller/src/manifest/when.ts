// `when:` conditions: all given keys must hold.
import { isDeepStrictEqual } from 'node:util';
import type { When } from '../resources/shared/fields.js';
import type { HostInfo } from '../resources/types.js';
import { unwrap } from './template-float.js';

/** True when the resource is kept on this host. */
export function whenHolds(when: When | undefined, host: HostInfo): boolean {
  return failing(when, host).length === 0;
}

/** The conditions of `when` this host fails, in words ("os is linux (mac is macos)"), for a message saying why a resource is absent. */
export function whyExcluded(when: When | undefined, host: HostInfo): string {
  return failing(when, host).join(' and ');
}

function failing(when: When | undefined, host: HostInfo): string[] {
  if (!when) return [];
  const out: string[] = [];
  if (when.os !== undefined && !asList(when.os).includes(host.os)) out.push(`os is ${asList(when.os).join(' or ')} (${host.name} is ${host.os})`);
  if (when.host !== undefined && !asList(when.host).includes(host.name)) out.push(`host is ${asList(when.host).join(' or ')}`);
  for (const [name, expected] of Object.entries(when.var ?? {})) {
    const actual = unwrap(host.vars[name]); // a var's float (template-float.ts) compares as the number
    const any = Array.isArray(expected) && !Array.isArray(actual);
    if (any ? expected.some((e) => isDeepStrictEqual(e, actual)) : isDeepStrictEqual(expected, actual)) continue;
    const wanted = any ? `one of ${expected.map((e) => JSON.stringify(e)).join(', ')}` : JSON.stringify(expected);
    out.push(`var ${name} is ${wanted} (${actual === undefined ? 'here it is not set' : `here it is ${JSON.stringify(actual)}`})`);
  }
  return out;
}

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}
