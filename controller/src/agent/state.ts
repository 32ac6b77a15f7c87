// What the agent remembers across restarts, per host, in the state directory:
// the commit in force, the commits it refused (never retried, however many
// come after; forgotten only once a newer commit in force makes them
// unreachable for good), when it first saw the head it is judging, and what
// it last reported (so a run that found nothing new makes no commit, and the
// heartbeat knows when it is due).
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { ConvergeError, errnoOf, messageOf } from '../platform/errors.js';

/** A commit that will not be tried again. */
export interface RefusedCommit {
  commit: string;
  /** `unsigned`, `unknown key`, `rewound`, `invalid`, `rolled back`… */
  reason: string;
  at: string;
}

export interface AgentState {
  version: 1;
  host: string;
  /** The commit in force: the last one that was trusted, valid and applied (monitored, in monitor mode). */
  applied: string | null;
  appliedAt: string | null;
  /** The fleet-branch commit behind `applied` (itself, or the fleet head a testing branch descended from): the fleet branch never goes back past it. */
  fleetApplied?: string | null;
  /** Newest last; kept while they could still come back as a descendant of the commit in force (see keepRefusals). */
  refused: RefusedCommit[];
  /** The newest head the agent judged, and when it first saw it (key validity is judged at that time, by this clock). */
  seen?: { commit: string; at: string } | null;
  /** When the last report was queued (the heartbeat counts from here). */
  lastReportAt: string | null;
  /** What the host looked like after the last reported run; a run that ends the same is nothing new. */
  lastSignature: string | null;
  /** A commit being loaded (templates rendered); still set at start means the process died in it. */
  loading?: string | null;
  /** A new commit that waits (its ring, its window), as last reported: reported again only when the reason changes; cleared when a commit is applied. */
  waiting?: WaitingCommit | null;
  /** The first deferIf postponement of a waiting commit (maxDefer counts from it). */
  deferred?: { commit: string; since: string } | null;
}

/** A verified commit not applied yet, and why. */
export interface WaitingCommit {
  commit: string;
  result: 'held' | 'pending' | 'deferred';
  reason: string;
}

/** Where the state of `host` lives. */
export function stateFile(stateDir: string, host: string): string {
  return path.join(stateDir, 'agent', `${host}.json`);
}

/** The saved state, or a fresh one. */
export async function loadState(stateDir: string, host: string): Promise<AgentState> {
  const file = stateFile(stateDir, host);
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<AgentState>;
    return { version: 1, host, applied: null, appliedAt: null, refused: [], lastReportAt: null, lastSignature: null, ...saved };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { version: 1, host, applied: null, appliedAt: null, refused: [], lastReportAt: null, lastSignature: null };
    throw new ConvergeError('io', `cannot read the agent state ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Write the state atomically. */
export async function saveState(stateDir: string, state: AgentState): Promise<void> {
  const file = stateFile(stateDir, state.host);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/** Remember that `commit` is not to be retried. */
export function refuse(state: AgentState, commit: string, reason: string): void {
  state.refused = [...state.refused.filter((r) => r.commit !== commit), { commit, reason, at: new Date().toISOString() }];
}

/**
 * Forget the refusals that can never matter again: once `applied` is in force,
 * only its descendants can be applied (anything else is a rewind or a rewrite,
 * rejected by descent), so the memory is bounded by ancestry, not by a count.
 */
export async function keepRefusals(state: AgentState, isDescendant: (commit: string) => Promise<boolean>): Promise<void> {
  const kept: RefusedCommit[] = [];
  for (const r of state.refused) if (await isDescendant(r.commit).catch(() => true)) kept.push(r);
  state.refused = kept;
}

/** When the agent first saw `commit` (now, if it is new), remembered in `state`. */
export function firstSeen(state: AgentState, commit: string, now = new Date()): Date {
  if (state.seen?.commit !== commit) state.seen = { commit, at: now.toISOString() };
  return new Date(state.seen.at);
}

/**
 * A commit whose loading never finished (the process died rendering it: a template past the
 * memory limit, a kill) is refused at the next start, so the agent does not crash-loop on it.
 * Returns that commit, if any.
 */
export function refuseCrashedLoad(state: AgentState): string | null {
  const crashed = state.loading ?? null;
  state.loading = null;
  if (!crashed || crashed === state.applied || refusalOf(state, crashed)) return null;
  refuse(state, crashed, 'crashed while loading');
  return crashed;
}

/** The refusal of `commit`, if it was refused. */
export function refusalOf(state: AgentState, commit: string): RefusedCommit | undefined {
  return state.refused.find((r) => r.commit === commit);
}
