// A resource list entry that is not a mapping: say what it is, and for the
// common slip (`- service:nginx`, no space after the colon, is one string)
// show the mapping that was meant.
import { kindOf } from './zod-diagnostics.js';
import { resourceType } from '../resources/registry.js';

/** The message for a `resources:` entry that is not a mapping. */
export function notAMapping(item: unknown): string {
  const shape = 'a resource is a mapping whose first key names its type, like "- file: /etc/x"';
  if (typeof item === 'string') {
    const m = /^([A-Za-z][A-Za-z0-9]*):(\S.*)$/.exec(item);
    if (m && resourceType(m[1]!)) return `- ${item} is the string ${JSON.stringify(item)}; write "- ${m[1]}: ${m[2]}" (a space after the colon makes it a mapping)`;
    if (resourceType(item)) return `found the string ${JSON.stringify(item)}; ${shape.replace('- file: /etc/x', `- ${item}: <title>`)}`;
  }
  if (item === null || item === undefined) return `found an empty entry; ${shape}`;
  return `found ${kindOf(item)}; ${shape}`;
}
