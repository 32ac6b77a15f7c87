// POSIX attributes do not exist on Windows; validation says so instead of ignoring them.
import type { HostInfo, SpecProblem } from '../types.js';

/** Problems for mode/owner/group set on a Windows host. */
export function rejectPosixOnWindows(spec: { mode?: unknown; owner?: unknown; group?: unknown }, host: HostInfo): SpecProblem[] {
  if (host.os !== 'windows') return [];
  return (['mode', 'owner', 'group'] as const)
    .filter((key) => spec[key] !== undefined)
    .map((key) => ({
      path: [key],
      message: `${key} is a POSIX attribute; ${host.name} is a windows host, where it has no meaning (Windows ACLs will be their own field)`,
    }));
}
