// What the agent remembers across restarts, per host, in the state directory:
// the commit in force, the commits it refused (not retried until a newer one
// arrives), and what it last reported (so a run that found nothing new makes
// no commit, and the heartbeat knows when it is due).
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
  /** Newest last; only the last few are kept. */
  refused: RefusedCommit[];
  /** When the last report was queued (the heartbeat counts from here). */
  lastReportAt: string | null;
  /** What the host looked like after the last reported run; a run that ends the same is nothing new. */
  lastSignature: string | null;
  /** A commit being loaded (templates rendered); still set at start means the process died in it. */
  loading?: string | null;
}

const KEEP_REFUSED = 20;

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
  state.refused = [...state.refused.filter((r) => r.commit !== commit), { commit, reason, at: new Date().toISOString() }].slice(-KEEP_REFUSED);
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
