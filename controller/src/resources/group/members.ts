// The member list of a group, compared as a set on every system.
import type { Change } from '../types.js';

/** The change that makes `have` exactly `want` (undefined: members are not managed), or null. */
export function membersChange(want: readonly string[] | undefined, have: readonly string[]): Change | null {
  if (want === undefined) return null;
  const a = [...new Set(want)].sort();
  const b = [...new Set(have)].sort();
  if (a.join(',') === b.join(',')) return null;
  return { property: 'members', from: b.join(', ') || '(none)', to: a.join(', ') || '(none)' };
}

/** Who to add and who to remove, for systems that change members one at a time. */
export function memberEdits(want: readonly string[], have: readonly string[]): { add: string[]; remove: string[] } {
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const w = lower(want);
  const h = lower(have);
  return { add: want.filter((x) => !h.has(x.toLowerCase())), remove: have.filter((x) => !w.has(x.toLowerCase())) };
}
