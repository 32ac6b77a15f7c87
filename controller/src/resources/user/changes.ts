// Change lines the user type shares across systems.
import type { Change } from '../types.js';
import { unifiedDiff } from '../shared/content-diff.js';

/** A change of a small text the type writes (the sudoers rule), with its diff. */
export function textChange(property: string, from: string | null, to: string | null): Change {
  const line = (text: string | null) => (text === null ? null : text.split('\n').find((l) => l && !l.startsWith('#')) ?? '');
  return { property, from: line(from), to: line(to), diff: unifiedDiff(property, from ?? '', to ?? '', from === null) };
}
