// converge status aggregate: passes over the status store, each committing
// every changed report to the status branch in one commit, at most one push
// an interval, while holding the aggregator lease (when asked to).
import type { ContainerClient } from '@azure/storage-blob';
import type { Logger } from '../../platform/logger.js';
import type { AggregateBranch } from './commit.js';
import type { StatusIndex } from '../status-paths.js';
import { collect } from './collect.js';
import { acquireLease } from './lease.js';
import type { Lease } from './lease.js';
import { ConvergeError, messageOf } from '../../platform/errors.js';

/** Tries of one pass when the branch keeps moving under it. */
const PASS_TRIES = 5;

export interface PassResult {
  /** The commit pushed; null when nothing had changed. */
  commit: string | null;
  /** Hosts whose report was committed. */
  hosts: number;
  /** Event lines in the commit message. */
  events: number;
  /** Hosts in the store. */
  fleet: number;
  skipped: { blob: string; reason: string }[];
  /** Pushes refused because the branch had moved (then redone on the new tip). */
  conflicts: number;
  /** The status branch's index after the pass. */
  index: StatusIndex;
}

/** One pass: read what changed since the branch's checkpoint, commit it all at once, push. */
export async function aggregateOnce(container: ContainerClient, branch: AggregateBranch, before?: () => Promise<void>): Promise<PassResult> {
  for (let attempt = 0; attempt < PASS_TRIES; attempt++) {
    const { tip, index, flatHosts } = await branch.tip();
    const got = await collect(container, index);
    if (got.changed.length === 0) return { commit: null, hosts: 0, events: 0, fleet: got.hosts.length, skipped: got.skipped, conflicts: attempt, index };
    await before?.();
    const r = await branch.commit(tip, index, flatHosts, got.changed, got.hosts);
    if (r.pushed) {
      const events = got.changed.reduce((n, c) => n + Math.max(1, c.events.length), 0);
      return { commit: r.commit, hosts: got.changed.length, events, fleet: got.hosts.length, skipped: got.skipped, conflicts: attempt, index: r.index };
    }
  }
  throw new ConvergeError('transient', `the status branch kept moving during ${PASS_TRIES} aggregate passes; the reports stay in the store for the next pass`);
}

export interface LoopOptions {
  container: ContainerClient;
  branch: AggregateBranch;
  intervalMs: number;
  /** Hold the Blob lease: only one aggregator passes at a time. */
  lease: boolean;
  log: Logger;
  signal: AbortSignal;
  /** Called after each pass (commit statuses, --json). */
  onPass?: (r: PassResult) => void | Promise<void>;
}

/** Pass every interval until `signal` aborts; a failed pass is logged and tried again at the next interval. */
export async function aggregateLoop(o: LoopOptions): Promise<void> {
  let lease: Lease | null = null;
  let renewer: NodeJS.Timeout | undefined;
  const dropLease = async () => {
    clearInterval(renewer);
    await lease?.release();
    lease = null;
  };
  try {
    // A restarted aggregator keeps to one push an interval: wait out what is left since the last one.
    const { aggregatedAt } = await o.branch.tip().catch(() => ({ aggregatedAt: null }));
    if (aggregatedAt) await sleep(aggregatedAt + o.intervalMs - Date.now(), o.signal);
    while (!o.signal.aborted) {
      // The next pass starts an interval after this one started, or after this one's push when it pushed:
      // pushes stay at least an interval apart however long a pass takes.
      let started = Date.now();
      try {
        if (o.lease && !lease) {
          lease = await acquireLease(o.container);
          if (lease) {
            o.log.info({ lease: lease.id }, 'aggregator lease taken');
            renewer = setInterval(() => void lease?.renew().then((held) => held || void dropLease()).catch(() => undefined), 15_000);
          } else o.log.info('another aggregator holds the lease; waiting');
        }
        if (!o.lease || lease) {
          // Before the push: a lease lost meanwhile means another aggregator may be passing; leave it to that one.
          const before = async () => {
            if (lease && !(await lease.renew())) throw new ConvergeError('transient', 'the aggregator lease was lost');
          };
          const r = await aggregateOnce(o.container, o.branch, o.lease ? before : undefined);
          o.log.info({ commit: r.commit, hosts: r.hosts, events: r.events, fleet: r.fleet, skipped: r.skipped.length, conflicts: r.conflicts }, r.commit ? 'reports committed' : 'nothing new');
          if (r.skipped.length) o.log.warn({ skipped: r.skipped.length, first: r.skipped.slice(0, 3) }, 'blobs skipped');
          if (r.commit) started = Date.now();
          await o.onPass?.(r);
        }
      } catch (error) {
        o.log.warn({ err: messageOf(error) }, 'aggregate pass failed; trying again next interval');
        if (error instanceof ConvergeError && /lease was lost/.test(error.message)) await dropLease();
      }
      await sleep(started + o.intervalMs - Date.now(), o.signal);
    }
  } finally {
    await dropLease();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
