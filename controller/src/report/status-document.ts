// state/<host>/status.json on the status branch: one run's report, with what
// the fleet view needs around it (the commit in force, why the run happened,
// the agent's schedule so readers know when the host is overdue).
import type { Report, ResourceReport } from './report.js';
import type { RunReason } from '../agent/events.js';

/** Why a report was written: a run's reason, or the daily heartbeat. */
export type ReportReason = RunReason | 'heartbeat';

/** The agent settings a reader needs to judge a report (is the host overdue? does it heal?). */
export interface AgentSettings {
  mode: 'enforce' | 'monitor';
  selfHeal: boolean;
  poll: string;
  interval: string;
  heartbeat: string;
}

/** What the agent adds to a run's report for the status branch. */
export interface StatusExtras {
  /** Unique per report: how a report already pushed is recognised after a crash. */
  reportId: string;
  /** The commit message: `motoko: applied 3f2a1bc (2 changed)`. */
  event: string;
  reason: ReportReason;
  /** The fleet branch the agent follows. */
  branch: string;
  /** The commit in force after this run (the last trusted, valid, applied one); `commit` is the one this run was about. */
  applied: string | null;
  /** When `applied` was applied: rollout gating counts a ring's soak from here. */
  appliedAt?: string | null;
  /** The latest commits this host refused (rejected, invalid, rolled back): a rollout gate sees a failure after later reports. */
  refused?: { commit: string; reason: string; at: string }[];
  /** A newer verified commit this host waits to apply (ring, window), while reports are about the commit in force. */
  waiting?: { commit: string; result: 'held' | 'pending' | 'deferred'; reason: string } | null;
  /** Who signed `commit`, when it was verified. */
  signer?: string | null;
  agent: AgentSettings;
  /** Problems beside the run that did not change its result: a GitHub commit status not set (kept, sent again). */
  notices?: string[];
}

/** state/<host>/status.json. */
export interface StatusDocument extends Omit<Report, 'resources'>, StatusExtras {
  /** Every resource that did not stay unchanged: changed, drifted, failed, skipped, pending, pruned, unmanaged. */
  resources: ResourceReport[];
}

/** The status document of a report: unchanged resources left out (the counts keep them). */
export function statusDocument(report: Report, extras: StatusExtras): StatusDocument {
  const { resources, ...rest } = report;
  const { notices, ...given } = extras;
  return {
    ...rest,
    ...given,
    ...(extras.signer === undefined ? {} : { signer: extras.signer }),
    ...(notices?.length ? { notices } : {}),
    resources: resources.filter((r) => r.status !== 'unchanged'),
  };
}
