// Which rings a change reaches, in the order it will reach them: the changed
// hosts grouped by their ring at head (hosts/_fleet.yml), so a reviewer sees
// that a change goes to the canary first and to the servers last.
import type { FleetRings } from '../manifest/fleet-rings.js';
import type { FleetDiff } from './fleet-diff.js';

/** One ring a change reaches, with the hosts of it that change. */
export interface RingReach {
  ring: string;
  hosts: string[];
}

/** The rings of `fleet` that hosts changed by `diff` are in, in rollout order; null without rings. */
export function rolloutOrder(diff: FleetDiff, fleet: FleetRings | null): RingReach[] | null {
  if (!fleet) return null;
  const changed = diff.hosts.filter((h) => h.status !== 'removed').map((h) => h.name);
  return fleet.rings
    .map((r) => ({ ring: r.name, hosts: changed.filter((h) => (fleet.members.get(h) ?? fleet.rings.at(-1)!.name) === r.name).sort() }))
    .filter((r) => r.hosts.length > 0);
}

/** "canary (c1) → servers (s1, s2)". */
export function rolloutText(order: readonly RingReach[]): string {
  return order.map((r) => `${r.ring} (${r.hosts.join(', ')})`).join(' → ');
}
