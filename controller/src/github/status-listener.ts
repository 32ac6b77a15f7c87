// Commit statuses from the agent's run events: `pending` when a host starts
// converging a commit, then success / failure / error with the report's
// summary and a link to its STATUS.md. A status GitHub did not take (down,
// rate limited, bad token) is kept in the state directory and sent again at
// the next run; the failure is logged and thrown to the agent at the end of
// the run, which puts it in the report. `pending` is sent in the background,
// so a converge never waits for GitHub; the result waits at most a budget.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvents } from '../agent/events.js';
import type { Report } from '../report/report.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { ConvergeError, messageOf } from '../platform/errors.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import type { GitHubClient } from './client.js';
import { DESCRIPTION_LIMIT, clip, setCommitStatus } from './commit-status.js';
import type { CommitStatus } from './commit-status.js';
import { describeGitHubError } from './errors.js';
import { statusOfReport } from './report-status.js';
import type { RepoRef } from './repository.js';

export interface StatusListenerOptions {
  repo: RepoRef;
  /** The status context is `converge/<host>`. */
  host: string;
  /** Where the status links to (the host's STATUS.md on the status branch). */
  targetUrl?: string;
  /** A client for this delivery (a token file is read again each time, so a rotated token is picked up). */
  client(): Promise<GitHubClient>;
  /** Undelivered statuses and what was last sent per commit survive restarts here. */
  stateFile: string;
  log: Logger;
  scrubber: Scrubber;
  /** The most one event may spend on GitHub: 10 s by default. */
  budgetMs?: number;
}

interface Sent {
  state: CommitStatus['state'];
  description: string;
}

interface State {
  version: 1;
  /** Statuses GitHub has not taken yet, oldest first; one per commit. */
  queue: CommitStatus[];
  /** What GitHub holds per commit, newest last: nothing is sent twice. */
  sent: [string, Sent][];
}

const KEEP_SENT = 50;
const KEEP_QUEUED = 20;

/** The run listener that sets `converge/<host>` commit statuses. */
export class CommitStatusListener implements RunEvents {
  private readonly log: Logger;
  private chain: Promise<unknown> = Promise.resolve();
  /** What GitHub did not take since the last runFinished (the pending status is sent in the background). */
  private readonly deferred: string[] = [];

  constructor(private readonly options: StatusListenerOptions) {
    this.log = options.log.child({ component: 'github', host: options.host });
  }

  get context(): string {
    return `converge/${this.options.host}`;
  }

  /** Queue `pending` and send it in the background: the converge does not wait for GitHub. */
  runStarted(info: { commit: string | null }): void {
    void this.serial(async () => {
      const state = await this.load();
      // A commit this host already reported on (interval and drift runs) keeps its final status: no pending churn.
      if (info.commit && !state.sent.some(([sha]) => sha === info.commit) && !state.queue.some((s) => s.sha === info.commit)) {
        this.enqueue(state, this.status(info.commit, 'pending', 'converging…'));
      }
      this.deferred.push(...(await this.flush(state)));
    }).catch((error: unknown) => this.deferred.push(messageOf(error)));
  }

  /** Queue the result and send it (after `pending`); throw what GitHub did not take during this run, for the report. */
  async runFinished(info: { report: Report }): Promise<void> {
    const problems = await this.serial(async () => {
      const state = await this.load();
      const commit = info.report.commit;
      if (commit) {
        const { state: s, description } = statusOfReport(info.report);
        // Later runs on a commit (interval, drift) change its status only when the outcome does: success → failure and back.
        const current = state.queue.find((q) => q.sha === commit)?.state ?? state.sent.find(([sha]) => sha === commit)?.[1].state;
        if (current !== s) this.enqueue(state, this.status(commit, s, this.options.scrubber.scrub(description)));
      }
      return this.flush(state);
    });
    const all = [...this.deferred.splice(0), ...problems];
    if (all.length === 0) return;
    const waiting = (await this.load()).queue.length;
    const message = all.join('; ') + (waiting > 1 ? ` (${waiting} statuses waiting)` : '');
    this.log.warn({ queued: waiting }, message);
    throw new ConvergeError(waiting > 0 ? 'transient' : 'invalid-input', message);
  }

  /** Wait for deliveries in flight (each within its budget). */
  async close(): Promise<void> {
    await this.chain;
  }

  private status(sha: string, state: CommitStatus['state'], description: string): CommitStatus {
    const { repo, targetUrl } = this.options;
    return { owner: repo.owner, repo: repo.repo, sha, state, description: clip(description, DESCRIPTION_LIMIT), ...(targetUrl ? { targetUrl } : {}), context: this.context };
  }

  private enqueue(state: State, status: CommitStatus): void {
    state.queue = state.queue.filter((s) => s.sha !== status.sha);
    state.queue.push(status);
    if (state.queue.length > KEEP_QUEUED) state.queue.splice(0, state.queue.length - KEEP_QUEUED);
  }

  /** Send what is queued, in order, within the budget; returns what GitHub did not take. */
  private async flush(state: State): Promise<string[]> {
    const problems: string[] = [];
    if (state.queue.length === 0) return problems;
    const signal = AbortSignal.timeout(this.options.budgetMs ?? 10_000);
    try {
      const client = await this.options.client();
      while (state.queue.length > 0) {
        const next = state.queue[0]!;
        const already = state.sent.find(([sha]) => sha === next.sha)?.[1];
        if (already && already.state === next.state && already.description === next.description) {
          state.queue.shift();
          continue;
        }
        try {
          await setCommitStatus(client, next, signal);
          state.queue.shift();
          state.sent = state.sent.filter(([sha]) => sha !== next.sha);
          state.sent.push([next.sha, { state: next.state, description: next.description }]);
          if (state.sent.length > KEEP_SENT) state.sent.splice(0, state.sent.length - KEEP_SENT);
          this.log.info({ commit: next.sha.slice(0, 12), state: next.state, context: next.context }, 'commit status set');
        } catch (error) {
          const problem = describeGitHubError(error, this.options.scrubber);
          const what = `commit status ${next.context} (${next.state}) on ${next.sha.slice(0, 7)}`;
          if (problem.permanent) {
            state.queue.shift();
            problems.push(`GitHub refused ${what}: ${problem.message}; dropped`);
            continue;
          }
          problems.push(`GitHub did not take ${what}: ${problem.message}; kept, sent again at the next run`);
          break;
        }
      }
    } catch (error) {
      // The credential could not be read: everything stays queued.
      problems.push(`GitHub commit statuses not sent: ${describeGitHubError(error, this.options.scrubber).message}; kept, sent again at the next run`);
    } finally {
      await this.save(state);
    }
    return problems;
  }

  private serial<T>(body: () => Promise<T>): Promise<T> {
    const run = this.chain.then(body, body);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<State> {
    try {
      const parsed = JSON.parse(await readFile(this.options.stateFile, 'utf8')) as Partial<State>;
      if (parsed.version === 1 && Array.isArray(parsed.queue) && Array.isArray(parsed.sent)) return parsed as State;
    } catch {
      // missing or unreadable: start afresh (at worst a status is sent twice)
    }
    return { version: 1, queue: [], sent: [] };
  }

  private async save(state: State): Promise<void> {
    await mkdir(path.dirname(this.options.stateFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.options.stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }
}
