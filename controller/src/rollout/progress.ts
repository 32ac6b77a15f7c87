// Where a commit stands in its rollout, from the hosts' latest reports: for
// each ring, who has applied it and stayed healthy for the ring's soak, who
// failed it, who waits; whether the ring is done (enough healthy hosts, no
// more failures than maxUnavailable) or has halted the rollout; and when it
// will be done. Pure: the agent's gate and `converge rollout` both use it,
// with the clock passed in.
import type { Ring } from '../manifest/fleet-schema.js';
import type { FleetRings } from '../manifest/fleet-rings.js';
import type { SourcedReport } from '../report/report-source.js';
import type { StatusDocument } from '../report/status-document.js';

/** Where one host stands with the commit. */
export type HostRolloutState =
  | 'healthy'    // applied, checks passing, for the ring's soak
  | 'soaking'    // applied and healthy, soak not over yet
  | 'failed'     // failed, rolled back or refused the commit, or failing on it since
  | 'held'       // waiting for an earlier ring
  | 'pending'    // waiting for its maintenance window
  | 'deferred'   // its window is open, a deferIf check postpones the apply
  | 'waiting'    // has not reported on the commit yet
  | 'unverified' // its report cannot be trusted: it does not count
  | 'unreported'; // no report at all

export interface HostProgress {
  host: string;
  state: HostRolloutState;
  /** When it applied the commit. */
  appliedAt?: string;
  /** When its soak is (or was) over. */
  healthyAt?: string;
  /** Why it failed, holds or is not trusted. */
  detail?: string;
  /** The commit in force on the host. */
  applied: string | null;
}

export interface RingProgress {
  ring: Ring;
  hosts: HostProgress[];
  healthy: number;
  failed: number;
  /** Healthy hosts the ring needs (its successThreshold of its hosts). */
  needed: number;
  /** Enough healthy hosts and no more failures than maxUnavailable: the next ring may start. */
  done: boolean;
  /** More failures than maxUnavailable: this ring's remaining hosts and every later ring hold. */
  halted: boolean;
  /** When the ring is (or will be, once its soaking hosts finish) done; null while too few have applied. */
  doneAt: string | null;
}

export interface RolloutProgress {
  commit: string;
  statusCommit: string | null;
  rings: RingProgress[];
}

/** A host's ring gate for the commit. */
export type GateDecision =
  | { open: true }
  | { open: false; halted: boolean; reason: string; ring: string; opensAt: string | null };

const FAILED_RESULTS = new Set<string>(['failed', 'rolledBack', 'rejected']);
const WAITING_RESULTS = new Set<string>(['held', 'pending', 'deferred']);

/** The progress of `commit` through `fleet`'s rings at `now`. */
export function rolloutProgress(input: { fleet: FleetRings; commit: string; reports: readonly SourcedReport[]; statusCommit: string | null; now: Date }): RolloutProgress {
  const byHost = new Map(input.reports.map((r) => [r.host, r]));
  const rings = input.fleet.rings.map((ring): RingProgress => {
    const members = [...input.fleet.members].filter(([, r]) => r === ring.name).map(([h]) => h).sort();
    const hosts = members.map((h) => hostProgress(h, byHost.get(h), input.commit, ring, input.now));
    const healthy = hosts.filter((h) => h.state === 'healthy').length;
    const failed = hosts.filter((h) => h.state === 'failed').length;
    const needed = Math.ceil((ring.successThreshold / 100) * hosts.length);
    const halted = failed > ring.maxUnavailable;
    const done = !halted && healthy >= needed;
    const soakEnds = hosts.filter((h) => h.state === 'healthy' || h.state === 'soaking').map((h) => h.healthyAt!).sort();
    const doneAt = halted ? null : needed === 0 ? input.now.toISOString() : (soakEnds[needed - 1] ?? null);
    return { ring, hosts, healthy, failed, needed, done, halted, doneAt };
  });
  return { commit: input.commit, statusCommit: input.statusCommit, rings };
}

/** May a host of `ringName` apply the commit now? */
export function gateFor(progress: RolloutProgress, ringName: string): GateDecision {
  const index = progress.rings.findIndex((r) => r.ring.name === ringName);
  for (const r of progress.rings.slice(0, index + 1)) {
    if (!r.halted) continue;
    const who = r.hosts.filter((h) => h.state === 'failed').map((h) => `${h.host}${h.detail ? `: ${h.detail}` : ''}`);
    return {
      open: false,
      halted: true,
      ring: r.ring.name,
      opensAt: null,
      reason: `rollout halted in ring ${r.ring.name}: ${r.failed} of ${r.hosts.length} failed ${progress.commit.slice(0, 7)} (maxUnavailable ${r.ring.maxUnavailable}) — ${who.slice(0, 3).join('; ')}${who.length > 3 ? `; and ${who.length - 3} more` : ''}; a newer commit starts a new rollout`,
    };
  }
  const previous = progress.rings.slice(0, Math.max(index, 0)).filter((r) => r.hosts.length > 0).at(-1);
  if (!previous || previous.done) return { open: true };
  const soak = previous.ring.soakMs > 0 ? ` for ${human(previous.ring.soakMs)}` : '';
  const when = previous.doneAt ? `; opens at ${previous.doneAt}` : '';
  return {
    open: false,
    halted: false,
    ring: previous.ring.name,
    opensAt: previous.doneAt,
    reason: `waiting for ring ${previous.ring.name}: ${previous.healthy} of ${previous.hosts.length} applied ${progress.commit.slice(0, 7)} and healthy${soak}, ${previous.needed} needed (${previous.ring.successThreshold}%)${when}`,
  };
}

function hostProgress(host: string, sourced: SourcedReport | undefined, commit: string, ring: Ring, now: Date): HostProgress {
  if (!sourced) return { host, state: 'unreported', applied: null };
  const doc = sourced.doc;
  const applied = doc?.applied ?? null;
  if (!sourced.verified || !doc) return { host, state: 'unverified', detail: sourced.reason ?? 'no readable report', applied };
  if (applied === commit) {
    const appliedAt = appliedAtOf(doc);
    if (FAILED_RESULTS.has(doc.result) || failingCheck(doc)) return { host, state: 'failed', appliedAt, detail: whyFailed(doc), applied };
    const healthyAt = new Date(Date.parse(appliedAt) + ring.soakMs).toISOString();
    return { host, state: Date.parse(healthyAt) <= now.getTime() ? 'healthy' : 'soaking', appliedAt, healthyAt, applied };
  }
  if (doc.commit === commit && FAILED_RESULTS.has(doc.result)) return { host, state: 'failed', detail: whyFailed(doc), applied };
  const refused = Array.isArray(doc.refused) ? doc.refused.find((r) => r?.commit === commit) : undefined;
  if (refused) return { host, state: 'failed', detail: `${String(refused.reason).slice(0, 80)}`, applied };
  if (doc.commit === commit && WAITING_RESULTS.has(doc.result)) return { host, state: doc.result as HostRolloutState, detail: doc.rollout?.reason ?? doc.errors[0], applied };
  if (doc.waiting?.commit === commit && WAITING_RESULTS.has(doc.waiting.result)) return { host, state: doc.waiting.result as HostRolloutState, detail: doc.waiting.reason, applied };
  return { host, state: 'waiting', applied };
}

/** When the host applied the commit in force: the report says so; older reports only say when they ended. */
function appliedAtOf(doc: StatusDocument): string {
  const at = doc.appliedAt;
  return typeof at === 'string' && Number.isFinite(Date.parse(at)) ? at : doc.endedAt;
}

function failingCheck(doc: StatusDocument): boolean {
  return Array.isArray(doc.checks) && doc.checks.some((c) => c?.status === 'failed');
}

function whyFailed(doc: StatusDocument): string {
  const check = doc.failedCheck ?? (Array.isArray(doc.checks) ? doc.checks.find((c) => c?.status === 'failed') : undefined);
  if (check) return `${doc.result}, check ${check.name} failed${check.message ? ` (${check.message})` : ''}`;
  return `${doc.result}${doc.errors[0] ? ` (${doc.errors[0].split('\n')[0]!.slice(0, 120)})` : ''}`;
}

function human(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
