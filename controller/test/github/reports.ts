// Reports as the agent hands them to run listeners, for listener tests.
import type { Report, RunResult } from '../../src/report/report.js';
import { emptySummary } from '../../src/report/report.js';

/** A finished run of `host` on `commit`. */
export function reportOf(host: string, commit: string | null, result: RunResult, counts: Partial<Report['summary']> = {}, errors: string[] = []): Report {
  const summary = { ...emptySummary(), ...counts };
  summary.total ||= summary.unchanged + summary.changed + summary.failed + summary.skipped + summary.pending + summary.pruned;
  return {
    version: 1,
    host,
    agentVersion: '0.1.0',
    mode: 'apply',
    commit,
    startedAt: '2026-05-01T10:00:00.000Z',
    endedAt: '2026-05-01T10:00:02.500Z',
    durationMs: 2500,
    result,
    summary,
    resources: [],
    errors,
  };
}
