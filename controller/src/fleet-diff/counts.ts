// Short phrases shared by the text and markdown forms of a fleet diff.
import type { Change } from '../resources/types.js';
import { describeChange } from '../report/changes.js';
import type { FleetDiff, HostDiff, Reach } from './fleet-diff.js';

/** "1 to add, 2 to change". */
export function hostCounts(h: HostDiff): string {
  if (h.status === 'invalid') return 'invalid: not converged until fixed';
  if (h.status === 'removed') return 'removed from the fleet';
  const n = (a: string) => h.resources.filter((r) => r.action === a).length;
  const parts = [[n('add'), 'to add'], [n('change'), 'to change'], [n('remove'), 'to remove']].filter(([c]) => c).map(([c, l]) => `${c} ${l}`);
  if (h.status === 'added') return `new host, ${parts.join(', ') || 'no resources'}`;
  return parts.join(', ') || 'host settings change';
}

/** "3 hosts change (atom, motoko, x), 2 unchanged". */
export function headline(diff: FleetDiff): string {
  const changing = diff.hosts.filter((h) => h.status !== 'invalid');
  const invalid = diff.hosts.filter((h) => h.status === 'invalid');
  const parts: string[] = [];
  parts.push(changing.length ? `${changing.length} host${changing.length === 1 ? '' : 's'} change${changing.length === 1 ? 's' : ''}` : 'no host changes');
  if (invalid.length) parts.push(`${invalid.length} invalid`);
  if (diff.unchanged.length) parts.push(`${diff.unchanged.length} unchanged`);
  return parts.join(', ');
}

/** "role netdata reaches atom, motoko; its desired state changes on motoko". */
export function reachText(r: Reach, code: (s: string) => string = (s) => s): string {
  const what = r.kind === 'role' ? `role ${code(r.name)}` : `${code('secrets-map.yml')} env file ${code(r.name)}`;
  if (r.hosts.length === 0) return `${what} reaches no host`;
  const changing = r.hosts.filter((h) => h.changes).map((h) => h.name);
  const all = r.hosts.map((h) => h.name).join(', ');
  const effect = changing.length === r.hosts.length ? '' : changing.length ? `; desired state changes on ${changing.join(', ')}` : '; no desired state changes';
  return `${what} reaches ${all}${effect}`;
}

/** The attribute line of a change (no diff). */
export function changeText(change: Change): string {
  if (change.diff && !change.secret) return `${change.property}: ${change.from == null ? 'new' : 'changed'}`;
  return describeChange(change);
}
