// The report stage of the agent: decide whether a run is worth a status
// commit, queue it on disk, and push the queue to the status branch.
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from './resolved-config.js';
import { durationToMs } from '../platform/duration-ms.js';
import type { AgentState } from './state.js';
import type { RunEvents } from './events.js';
import { emit } from './events.js';
import type { Report } from '../report/report.js';
import { Outbox } from '../report/outbox.js';
import { StatusBranch } from '../report/status-branch.js';
import { BlobReportStore } from '../report/blob-store.js';
import type { ReportSink } from '../report/blob-store.js';
import { statusDocument } from '../report/status-document.js';
import type { ReportReason } from '../report/status-document.js';
import { statusMarkdown } from '../report/status-markdown.js';
import { eventMessage } from '../report/event-message.js';
import { describeChange } from '../report/changes.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { messageOf } from '../platform/errors.js';

/** How many recent refusals a status.json carries. */
const REFUSED_IN_REPORT = 5;

export interface RunRecord {
  report: Report;
  reason: ReportReason;
  /** This run was about a new commit (applied, planned, refused). */
  newCommit: boolean;
  rejectReason?: string;
  signer?: string | null;
  notHealedBecause?: string;
  /** The agent was asked to stop during the run: the resources after the one in hand were not reached. */
  interrupted?: boolean;
  /** A refusal (rejected or invalid commit): the host itself is as it was, so what it was last reported as still stands. */
  refusal?: boolean;
  /** Problems of run listeners (a GitHub commit status not set) since the last record: they go into status.json. */
  notices?: string[];
}

export interface FlushResult {
  ok: boolean;
  pushed: number;
  queued: number;
  error?: string;
  /** Drift reports held back to be pushed together (driftWindow): push again at this time (ms since the epoch). */
  heldUntil?: number;
}

export class Reporter {
  /** When drift reports were last pushed: the next ones wait for driftWindow after it. */
  private lastDriftPushAt = 0;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly outbox: Outbox,
    private readonly branch: ReportSink,
    private readonly log: Logger,
    private readonly scrubber: Scrubber,
    private readonly listeners: readonly RunEvents[],
  ) {}

  static async open(config: ResolvedConfig, log: Logger, scrubber: Scrubber, listeners: readonly RunEvents[]): Promise<Reporter> {
    const outbox = await Outbox.open(config.stateDir);
    // Past a fleet size reports go to the host's own blob for the aggregator (signed with the host's key); otherwise straight to the status branch.
    const branch = config.status
      ? BlobReportStore.open({ ...config.status, signingKey: config.status.signingKey ?? config.signingKey }, config.host)
      : await StatusBranch.open(config.stateDir, { url: config.statusRepo ?? config.repo, branch: config.statusBranch, host: config.host, signingKey: config.signingKey });
    return new Reporter(config, outbox, branch, log.child({ component: 'report' }), scrubber, listeners);
  }

  /**
   * Queue the report of a run when it is news: a new commit, something changed,
   * the host ends in a different state than last reported, or the heartbeat is due.
   * Updates `state` (the caller saves it). Returns the event, or null when nothing was queued.
   */
  async record(run: RunRecord, state: AgentState, now = new Date()): Promise<string | null> {
    const notices = (run.notices ?? []).map((n) => this.scrubber.scrub(n));
    const signature = signatureOf(run.report, state.applied, notices);
    const s = run.report.summary;
    const news = run.newCommit || run.interrupted || s.changed + s.pruned > 0 || signature !== state.lastSignature;
    const heartbeatDue = !state.lastReportAt || now.getTime() - Date.parse(state.lastReportAt) >= durationToMs(this.config.heartbeat);
    if (!news && !heartbeatDue) return null;
    const reason: ReportReason = news ? run.reason : 'heartbeat';
    const report = this.scrubber.scrubValue(run.report);
    const event = eventMessage({ report, reason, newCommit: run.newCommit, rejectReason: run.rejectReason, notHealedBecause: run.notHealedBecause, interrupted: run.interrupted });
    const doc = statusDocument(report, {
      reportId: reportIdOf(report),
      event,
      reason,
      branch: this.config.branch,
      applied: state.applied,
      appliedAt: state.appliedAt,
      refused: state.refused.slice(-REFUSED_IN_REPORT),
      ...(state.waiting ? { waiting: state.waiting } : {}),
      signer: run.signer,
      notices,
      agent: { mode: this.config.mode, selfHeal: this.config.selfHeal, poll: this.config.poll, interval: this.config.interval, heartbeat: this.config.heartbeat },
    });
    await this.outbox.add({
      id: doc.reportId,
      statusJson: JSON.stringify(doc, null, 2) + '\n',
      statusMarkdown: statusMarkdown(doc),
      message: `${event}\n`,
      at: report.endedAt,
      drift: reason === 'drift',
    });
    state.lastReportAt = now.toISOString();
    if (!run.refusal) state.lastSignature = signature;
    this.log.info({ event, reportId: doc.reportId }, 'report queued');
    return event;
  }

  /**
   * Push every queued report, oldest first. Never throws: a failure leaves them queued.
   * With `hold`, drift reports that come within driftWindow of the last drift push wait
   * (heldUntil says until when), so a burst of hand edits makes one status commit per window.
   */
  async flush(signal?: AbortSignal, options: { hold?: boolean } = {}): Promise<FlushResult> {
    const queue = await this.outbox.list();
    let entries = queue;
    let heldUntil: number | undefined;
    const notBefore = this.lastDriftPushAt + durationToMs(this.config.driftWindow);
    if (options.hold && Date.now() < notBefore) {
      let cut = queue.length;
      while (cut > 0 && queue[cut - 1]!.drift) cut--;
      if (cut < queue.length) {
        heldUntil = notBefore;
        entries = queue.slice(0, cut);
      }
    }
    if (entries.length === 0) return { ok: true, pushed: 0, queued: queue.length, ...(heldUntil ? { heldUntil } : {}) };
    let result: FlushResult;
    try {
      const delivery = await this.branch.deliver(entries, (e) => this.outbox.remove(e), signal);
      result = { ok: true, pushed: delivery.pushed.length, queued: queue.length - entries.length, ...(heldUntil ? { heldUntil } : {}) };
      if (entries.some((e) => e.drift)) this.lastDriftPushAt = Date.now();
      this.log.info({ pushed: delivery.pushed.length, alreadyThere: delivery.alreadyThere.length, conflicts: delivery.conflicts }, 'status pushed');
    } catch (error) {
      const queued = (await this.outbox.list()).length;
      result = { ok: false, pushed: entries.length - queued, queued, error: messageOf(error) };
      this.log.warn({ queued, err: messageOf(error) }, 'status push failed; reports stay queued');
    }
    await emit(this.listeners, 'pushFinished', { ok: result.ok, queued: result.queued, error: result.error }, (e) => this.log.warn({ err: messageOf(e) }, 'listener failed'));
    return result;
  }

  /** How many reports wait to be pushed. */
  async queued(): Promise<number> {
    return (await this.outbox.list()).length;
  }
}

/** What the host looks like after a run, without times: equal signatures mean nothing new. */
export function signatureOf(report: Report, applied: string | null, notices: readonly string[] = []): string {
  const open = report.resources
    .filter((r) => r.status === 'failed' || r.status === 'pending' || r.status === 'skipped' || r.status === 'unmanaged')
    .map((r) => [r.id, r.status, r.error ?? '', (r.changes ?? []).map(describeChange).join(';')]);
  // After an apply that changed or healed something, the host is in sync: the same as after a quiet run.
  const settled = report.mode === 'apply' && (report.result === 'changed' || report.result === 'drifted') ? 'converged' : report.result;
  // A listener problem that appears or goes away is news; the same one again is not.
  const text = JSON.stringify({ applied, mode: report.mode, result: settled, commit: report.commit, errors: report.errors, open, ...(notices.length ? { notices } : {}) });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

function reportIdOf(report: Report): string {
  const stamp = report.endedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${report.host}-${stamp}-${createHash('sha256').update(JSON.stringify(report)).digest('hex').slice(0, 8)}`;
}
