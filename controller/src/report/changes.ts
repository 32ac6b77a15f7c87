// One change in one short line: "mode 0644 → 0600", "content (secret changed)".
import type { Change } from '../resources/types.js';

/** A change as one line for people (no diff). */
export function describeChange(change: Change): string {
  if (change.secret) return `${change.property} (secret changed)`;
  const to = change.to ?? 'absent';
  let base: string;
  if (change.property === 'refresh') base = to;
  else if (change.property === 'content') base = `content ${change.from ? 'changed' : 'set'} (${to})`;
  else if (change.property === 'ensure' && change.from == null) base = `created (${to})`;
  else if (change.from == null) base = `${change.property} ${to}`;
  else base = `${change.property} ${change.from} → ${to}`;
  return change.skipped ? `${base} [skipped: ${change.skipped}]` : base;
}
