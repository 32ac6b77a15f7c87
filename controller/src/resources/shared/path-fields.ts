// Host paths written in fields other than the title (a command's creates, a
// status file's mounts…) follow the title's rules: absolute for the host's OS
// and in normal form, so what a plan shows is where the write lands.
import type { HostInfo, SpecProblem } from '../types.js';
import { hostPaths } from '../../platform/paths.js';
import { messageOf } from '../../platform/errors.js';

/** A field path in the spec and the host path written there (undefined when not set). */
export type PathField = [field: (string | number)[], written: string | undefined];

/** Problems with the host paths in `fields`: each must be absolute and in normal form on this host. */
export function pathFieldProblems(host: HostInfo, fields: readonly PathField[]): SpecProblem[] {
  const paths = hostPaths(host.os, typeof host.vars.user === 'string' ? host.vars.user : undefined);
  const problems: SpecProblem[] = [];
  for (const [field, written] of fields) {
    if (written === undefined) continue;
    try {
      paths.canonical(written);
    } catch (error) {
      problems.push({ path: field, message: `${field.filter((f) => typeof f === 'string').join('.')}: ${messageOf(error)}` });
    }
  }
  return problems;
}
