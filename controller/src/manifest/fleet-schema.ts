// hosts/_fleet.yml: how a merge walks through the fleet. Ordered rings, each
// opening only when the one before has applied the commit and stayed healthy
// for its soak time, above its success threshold (DESIGN §4 Rollout).
import { z } from '../platform/zod.js';
import { DurationText } from '../platform/duration.js';

/** Where the fleet file lives, relative to the repository. */
export const FLEET_FILE = 'hosts/_fleet.yml';

/** A ring name: like a host name (lowercase letters, digits, -). */
export const RING_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const RingName = z.string().regex(RING_NAME, { error: 'a ring name is lowercase letters, digits and - (like a host name)' });
const Percent = z.string().regex(/^(100|[1-9]?[0-9])%$/, { error: 'must be a percentage like 100% or 90%' });

const ringSettings = {
  successThreshold: Percent.optional().describe('share of the ring that must have applied the commit and stayed healthy for soak before the next ring opens (default 100%)'),
  soak: DurationText.optional().describe('how long a host must stay healthy on the commit before it counts (default 0s)'),
  maxUnavailable: z.int({ error: 'must be a whole number of hosts' }).min(0).optional().describe('how many hosts of the ring may fail the commit before the rollout halts (default 0: the first failure halts)'),
};

/** One ring: a name, or a name with its own settings. */
export const RingEntry = z.union([RingName, z.strictObject({ name: RingName, ...ringSettings })]);
export type RingEntry = z.infer<typeof RingEntry>;

export const FleetFile = z.strictObject({
  rings: z.array(RingEntry).min(1).describe('rings in rollout order; a host names its ring in host.yml (default: the last ring)'),
  ...ringSettings,
});
export type FleetFile = z.infer<typeof FleetFile>;

/** A ring with every setting filled in. */
export interface Ring {
  name: string;
  /** 0..100 */
  successThreshold: number;
  soakMs: number;
  maxUnavailable: number;
}
