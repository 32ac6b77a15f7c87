// The agent's Prometheus metrics, fed by its run events: the last run's
// result, time, duration and counts, the applied commit, polls and pushes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunEvents } from '../agent/events.js';
import type { Report, RunResult, RunSummary } from '../report/report.js';
import { AGENT_VERSION } from '../platform/version.js';

const RESULTS: readonly RunResult[] = ['converged', 'changed', 'drifted', 'failed', 'rejected', 'rolledBack', 'held', 'pending', 'deferred'];
/** A new commit that waits (ring, window, deferIf) is not applied: the applied-commit gauge stays. */
const WAITING: readonly RunResult[] = ['held', 'pending', 'deferred'];
const STATES: readonly (keyof RunSummary)[] = ['total', 'unchanged', 'changed', 'failed', 'skipped', 'pending', 'pruned', 'drifted'];

/** A registry of the agent's metrics and the listener that keeps them current. */
export class AgentMetrics implements RunEvents {
  readonly registry = new Registry();
  private readonly lastResult: Gauge;
  private readonly lastRunEnd: Gauge;
  private readonly lastDuration: Gauge;
  private readonly durations: Histogram;
  private readonly runs: Counter;
  private readonly inProgress: Gauge;
  private readonly applied: Gauge;
  private readonly resources: Gauge;
  private readonly polls: Counter;
  private readonly pollErrors: Counter;
  private readonly lastPoll: Gauge;
  private readonly pushes: Counter;
  private readonly pushErrors: Counter;
  private readonly queued: Gauge;
  private appliedCommit: string | null = null;

  constructor(host: string) {
    const r = [this.registry];
    this.registry.setDefaultLabels({ host });
    collectDefaultMetrics({ register: this.registry, prefix: 'converge_' });
    new Gauge({ name: 'converge_agent_info', help: 'The agent: its version (always 1)', labelNames: ['version'], registers: r }).set({ version: AGENT_VERSION }, 1);
    this.lastResult = new Gauge({ name: 'converge_last_run_result', help: 'Result of the last run: 1 for the result it had, 0 for the others', labelNames: ['result'], registers: r });
    this.lastRunEnd = new Gauge({ name: 'converge_last_run_timestamp_seconds', help: 'When the last run ended (Unix time)', registers: r });
    this.lastDuration = new Gauge({ name: 'converge_last_run_duration_seconds', help: 'How long the last run took', registers: r });
    this.durations = new Histogram({ name: 'converge_run_duration_seconds', help: 'How long runs take', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: r });
    this.runs = new Counter({ name: 'converge_runs_total', help: 'Runs by result', labelNames: ['result'], registers: r });
    this.inProgress = new Gauge({ name: 'converge_run_in_progress', help: '1 while a run is converging', registers: r });
    this.applied = new Gauge({ name: 'converge_applied_commit_info', help: 'The fleet commit in force on this host (always 1; the commit is the label)', labelNames: ['commit'], registers: r });
    this.resources = new Gauge({ name: 'converge_last_run_resources', help: 'Resources of the last run by state (changed, drifted, failed, …)', labelNames: ['state'], registers: r });
    this.polls = new Counter({ name: 'converge_polls_total', help: 'Polls of the fleet repository', registers: r });
    this.pollErrors = new Counter({ name: 'converge_poll_errors_total', help: 'Polls of the fleet repository that failed', registers: r });
    this.lastPoll = new Gauge({ name: 'converge_last_poll_timestamp_seconds', help: 'When the last poll ended (Unix time)', registers: r });
    this.pushes = new Counter({ name: 'converge_pushes_total', help: 'Pushes of the status branch', registers: r });
    this.pushErrors = new Counter({ name: 'converge_push_errors_total', help: 'Pushes of the status branch that failed', registers: r });
    this.queued = new Gauge({ name: 'converge_reports_queued', help: 'Reports waiting to be pushed to the status branch', registers: r });
    for (const result of RESULTS) {
      this.lastResult.set({ result }, 0);
      this.runs.inc({ result }, 0);
    }
    for (const state of STATES) this.resources.set({ state }, 0);
    this.inProgress.set(0);
    this.queued.set(0);
  }

  runStarted(): void {
    this.inProgress.set(1);
  }

  runFinished(info: { report: Report; durationMs: number }): void {
    const { report } = info;
    this.inProgress.set(0);
    for (const result of RESULTS) this.lastResult.set({ result }, result === report.result ? 1 : 0);
    this.runs.inc({ result: report.result });
    this.lastRunEnd.set(Date.parse(report.endedAt) / 1000 || Date.now() / 1000);
    this.lastDuration.set(info.durationMs / 1000);
    this.durations.observe(info.durationMs / 1000);
    for (const state of STATES) this.resources.set({ state }, report.summary[state]);
    // A rejected or rolled-back commit is not in force: the previous one still is.
    if (report.commit && report.mode === 'apply' && report.result !== 'rejected' && report.result !== 'rolledBack' && !WAITING.includes(report.result) && report.commit !== this.appliedCommit) {
      if (this.appliedCommit) this.applied.remove({ commit: this.appliedCommit });
      this.appliedCommit = report.commit;
      this.applied.set({ commit: report.commit }, 1);
    }
  }

  pollFinished(info: { ok: boolean }): void {
    this.polls.inc();
    if (!info.ok) this.pollErrors.inc();
    this.lastPoll.set(Date.now() / 1000);
  }

  pushFinished(info: { ok: boolean; queued: number }): void {
    this.pushes.inc();
    if (!info.ok) this.pushErrors.inc();
    this.queued.set(info.queued);
  }
}
