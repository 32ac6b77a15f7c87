// Commit statuses that fit GitHub's limits at any fleet size (about 80
// content-creating calls a minute, 500 an hour): past a size, not one status
// per host per merge but one `converge/fleet` summary on the fleet head
// (`9,812/10,000 applied, 3 failed, 185 pending`), one `converge/ring/<ring>`
// per ring, and `converge/<host>` only for canaries and failures (capped). The
// aggregator posts them after a pass, and only what changed since it last did.
import type { IndexEntry, StatusIndex } from '../report/status-paths.js';
import type { GitHubClient } from './client.js';
import type { RepoRef } from './repository.js';
import type { CommitState } from './commit-status.js';
import { setCommitStatus } from './commit-status.js';

/** Results that count as failed for the fleet. */
const FAILED = new Set(['failed', 'rejected', 'rolledBack']);
/** The ring whose hosts keep a status each (DESIGN §4: canaries are watched one by one). */
const CANARY_RING = 'canary';

export interface Counts {
  total: number;
  applied: number;
  failed: number;
  pending: number;
}

/** How the fleet stands on `head`: applied (in force and not failed), failed, pending (the rest, unreported ones too). */
export function fleetCounts(index: StatusIndex, head: string, expected?: number): { fleet: Counts; rings: Map<string, Counts> } {
  const fleet: Counts = { total: 0, applied: 0, failed: 0, pending: 0 };
  const rings = new Map<string, Counts>();
  for (const entry of Object.values(index.hosts)) {
    const kind = FAILED.has(entry.result) ? 'failed' : entry.applied === head ? 'applied' : 'pending';
    for (const c of [fleet, ...(entry.ring ? [ringOf(rings, entry.ring)] : [])]) {
      c.total++;
      c[kind]++;
    }
  }
  // Hosts that have never reported are pending too, when the caller knows how many there are.
  if (expected && expected > fleet.total) {
    fleet.pending += expected - fleet.total;
    fleet.total = expected;
  }
  return { fleet, rings };
}

/** `9,812/10,000 applied, 3 failed, 185 pending`. */
export function countsText(c: Counts): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `${n(c.applied)}/${n(c.total)} applied, ${n(c.failed)} failed, ${n(c.pending)} pending`;
}

/** Why a ring's hosts have not applied `head`, from what they report waiting on: `halted in ring canary`, `held: waiting for ring canary`. */
export function ringWhy(index: StatusIndex, head: string): Map<string, string> {
  const votes = new Map<string, Map<string, number>>();
  for (const entry of Object.values(index.hosts)) {
    const why = entry.ring && entry.applied !== head && entry.waiting && head.startsWith(entry.waiting.commit) ? shortWhy(entry.waiting) : null;
    if (!why) continue;
    const ring = votes.get(entry.ring!) ?? new Map<string, number>();
    ring.set(why, (ring.get(why) ?? 0) + 1);
    votes.set(entry.ring!, ring);
  }
  const rank = (why: string) => (why.startsWith('halted') ? 2 : why.startsWith('held') ? 1 : 0);
  return new Map([...votes].map(([ring, v]) => [ring, [...v].sort(([a, x], [b, y]) => rank(b) - rank(a) || y - x || a.localeCompare(b))[0]![0]]));
}

function shortWhy(w: NonNullable<IndexEntry['waiting']>): string {
  if (w.result === 'pending') return 'pending: outside its maintenance window';
  if (w.result === 'deferred') return 'deferred: a deferIf check holds';
  const halted = /^rollout halted in ring ([\w.-]+)/.exec(w.reason);
  if (halted) return `halted in ring ${halted[1]}`;
  const waiting = /^waiting for ring ([\w.-]+)/.exec(w.reason);
  return waiting ? `held: waiting for ring ${waiting[1]}` : `held: ${w.reason.split(':')[0]!.slice(0, 60)}`;
}

/** failure when any host failed; pending while hosts have not applied it; success when all have. */
export function stateOf(c: Counts): CommitState {
  return c.failed > 0 ? 'failure' : c.pending > 0 ? 'pending' : 'success';
}

export interface FleetStatusOptions {
  client: () => Promise<GitHubClient>;
  repo: RepoRef;
  /** At most this many per-host statuses a pass (canaries and failures); the summary counts the rest. */
  maxHostStatuses?: number;
}

/** Posts the summary statuses; remembers what it posted, so an unchanged fleet costs no call. */
export class FleetStatusPoster {
  private readonly posted = new Map<string, string>();

  constructor(private readonly options: FleetStatusOptions) {}

  /** Post what changed on `head` since the last call; the number of API calls made. */
  async post(head: string, index: StatusIndex, expected?: number): Promise<number> {
    const { fleet, rings } = fleetCounts(index, head, expected);
    const why = ringWhy(index, head);
    const ringText = (ring: string, c: Counts) => (stateOf(c) === 'pending' && why.has(ring) ? `${countsText(c)} — ${why.get(ring)}` : countsText(c));
    const wanted: { context: string; state: CommitState; description: string }[] = [
      { context: 'converge/fleet', state: stateOf(fleet), description: countsText(fleet) },
      ...[...rings].sort(([a], [b]) => a.localeCompare(b)).map(([ring, c]) => ({ context: `converge/ring/${ring}`, state: stateOf(c), description: ringText(ring, c) })),
    ];
    const hostStatuses = Object.entries(index.hosts)
      .filter(([, e]) => FAILED.has(e.result) || e.ring === CANARY_RING)
      .sort(([a, x], [b, y]) => Number(FAILED.has(y.result)) - Number(FAILED.has(x.result)) || a.localeCompare(b))
      .slice(0, this.options.maxHostStatuses ?? 20)
      .map(([host, e]) => ({ context: `converge/${host}`, state: (FAILED.has(e.result) ? 'failure' : e.applied === head ? 'success' : 'pending') as CommitState, description: `${e.result}: ${e.event}` }));
    let calls = 0;
    const client = await this.options.client();
    for (const s of [...wanted, ...hostStatuses]) {
      const key = `${head} ${s.context}`;
      const value = `${s.state} ${s.description}`;
      if (this.posted.get(key) === value) continue;
      await setCommitStatus(client, { ...this.options.repo, sha: head, ...s });
      this.posted.set(key, value);
      calls++;
    }
    return calls;
  }
}

function ringOf(rings: Map<string, Counts>, ring: string): Counts {
  let c = rings.get(ring);
  if (!c) rings.set(ring, (c = { total: 0, applied: 0, failed: 0, pending: 0 }));
  return c;
}
