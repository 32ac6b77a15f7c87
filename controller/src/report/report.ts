// The report of one run: the same object the CLI prints with --json, the state
// directory keeps, and the status branch carries.
import type { Change } from '../resources/types.js';

/** What happened to one resource in a run. */
export type ResourceStatus =
  | 'unchanged'  // in sync, nothing done
  | 'changed'    // out of sync, applied, and in sync after
  | 'failed'     // apply failed, or still out of sync after it
  | 'skipped'    // not attempted: a dependency failed, or it needs what this run lacks
  | 'pending'    // out of sync and not applied (plan, monitor mode)
  | 'pruned'     // removed because the manifests no longer declare it
  | 'unmanaged'; // left the manifests, but converge did not create it: left in place

/** How a run ended, for the status branch. `held`, `pending` and `deferred`: a new commit waits (its ring, its window, a deferIf check). */
export type RunResult = 'converged' | 'changed' | 'drifted' | 'failed' | 'rejected' | 'rolledBack' | 'held' | 'pending' | 'deferred';

/** Why a new commit was not applied yet (result held, pending or deferred). */
export interface RolloutNote {
  /** The host's ring (held), or the gate's ring that holds it. */
  ring?: string;
  reason: string;
  /** The status-branch commit the decision was read at. */
  statusCommit?: string | null;
  /** When the gate (ring, window) is expected to open, when known. */
  opensAt?: string | null;
  /** The rollout halted on a failure (not merely waiting). */
  halted?: boolean;
}

export interface ResourceReport {
  id: string;
  status: ResourceStatus;
  /** True when the resource was out of sync although its manifest had not changed since it was last converged: a change by hand. */
  drift?: boolean;
  changes?: Change[];
  /** Why it failed or was skipped. */
  error?: string;
  /** Where it is declared (file:line:column), when it still is. */
  source?: string;
}

export interface RunSummary {
  total: number;
  unchanged: number;
  changed: number;
  failed: number;
  skipped: number;
  pending: number;
  pruned: number;
  drifted: number;
}

/** How one health check ended (host.yml `checks:`). */
export interface CheckResult {
  name: string;
  kind: 'unit' | 'tcp' | 'http' | 'command';
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped ("connection refused", "HTTP 502"…). */
  message?: string;
  /** It passed after the previous converge. */
  passedBefore?: boolean;
  durationMs: number;
}

/** What a rollback restored after a check that passed before failed. */
export interface RollbackReport {
  /** Host paths restored from the run's backups. */
  restored: string[];
  /** Service manager actions undone ("stopped container-litellm.service"). */
  undone: string[];
  /** What could not be restored. */
  errors: string[];
  /** The checks again, after the rollback. */
  checksAfter: CheckResult[];
}

export interface Report {
  version: 1;
  host: string;
  agentVersion: string;
  /** apply converges; plan and monitor only look. */
  mode: 'apply' | 'plan' | 'monitor';
  /** The fleet commit the manifests came from, when known. */
  commit: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  result: RunResult;
  summary: RunSummary;
  /** One entry per resource, in the order they were converged. */
  resources: ResourceReport[];
  /** Problems that stopped the run before any resource (validation, lock, rejected commit). */
  errors: string[];
  /** Health checks run after the converge (apply only). */
  checks?: CheckResult[];
  /** With result `rolledBack`: the check that passed before and failed after this converge. */
  failedCheck?: CheckResult;
  /** With result `rolledBack`: what was restored. */
  rollback?: RollbackReport;
  /** With result held, pending or deferred: why the new commit waits. */
  rollout?: RolloutNote;
}

/** An empty summary. */
export function emptySummary(): RunSummary {
  return { total: 0, unchanged: 0, changed: 0, failed: 0, skipped: 0, pending: 0, pruned: 0, drifted: 0 };
}

/** Count statuses of a list of resource reports. */
export function summarize(resources: readonly ResourceReport[]): RunSummary {
  const s = emptySummary();
  for (const r of resources) {
    s.total++;
    s[r.status === 'unmanaged' ? 'unchanged' : r.status]++;
    if (r.drift) s.drifted++;
  }
  return s;
}

/** The run's result from its summary: failed > drifted > changed > converged. */
export function resultOf(summary: RunSummary): RunResult {
  if (summary.failed > 0) return 'failed';
  if (summary.drifted > 0) return 'drifted';
  if (summary.changed > 0 || summary.pruned > 0) return 'changed';
  return 'converged';
}
