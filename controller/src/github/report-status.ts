// The commit status a run's report stands for: its state and one-line summary.
import type { Report } from '../report/report.js';
import { summaryText } from '../report/format.js';
import type { CommitState } from './commit-status.js';

/** success when the host is in the commit's desired state; failure when it is not; error when the commit was refused. */
export function statusOfReport(report: Report): { state: CommitState; description: string } {
  const first = report.errors[0];
  const counts = summaryText(report.summary, report.mode);
  switch (report.result) {
    case 'rejected':
      return { state: 'error', description: `rejected: ${first ?? 'not applied'}` };
    case 'rolledBack':
      return { state: 'failure', description: `rolled back: ${first ?? counts}` };
    case 'held':
    case 'pending':
    case 'deferred':
      return { state: 'pending', description: `${report.result}: ${report.rollout?.reason ?? first ?? 'waiting'}` };
    case 'failed':
      return { state: 'failure', description: `failed: ${report.summary.total === 0 && first ? first : counts}` };
    default:
      if (report.mode !== 'apply' && report.summary.pending > 0) {
        return { state: 'failure', description: `${report.mode}: ${report.summary.pending} differ from this commit, not applied (${counts})` };
      }
      return { state: 'success', description: `${report.result}: ${counts}` };
  }
}
