// The status commit's message is the event, so `git log status` reads as the
// fleet's history: `motoko: applied 3f2a1bc (2 changed)`,
// `motoko: drift healed in file:/etc/netdata/netdata.conf`,
// `wintermute: rejected 9e8d7c6 (unsigned)`.
import type { Report, ResourceReport } from './report.js';
import type { ReportReason } from './status-document.js';

export interface EventFacts {
  report: Report;
  reason: ReportReason;
  /** A new commit was evaluated in this run (applied, planned, refused). */
  newCommit: boolean;
  /** Why the commit was refused, for `rejected` reports (`unsigned`, `unknown key`, `rewound`…). */
  rejectReason?: string;
  /** Why drift found was not healed, when it was not (`monitor mode`, `selfHeal is off`). */
  notHealedBecause?: string;
  /** The agent stopped during the run (SIGTERM): the rest was not reached. */
  interrupted?: boolean;
}

/** The one-line event of a report (the commit message subject). */
export function eventMessage(facts: EventFacts): string {
  const { report: r } = facts;
  const at = short(r.commit);
  const host = r.host;
  if (facts.reason === 'heartbeat') return `${host}: heartbeat (${r.result}${at ? ` at ${at}` : ''})`;
  if (r.result === 'held' || r.result === 'pending' || r.result === 'deferred') return `${host}: ${r.result} ${at} (${clip(r.rollout?.reason ?? r.errors[0] ?? 'waiting')})`;
  if (r.result === 'rejected') return `${host}: rejected ${at} (${facts.rejectReason ?? r.errors[0] ?? 'untrusted'})`;
  if (r.result === 'rolledBack') return `${host}: rolled back ${at} (${clip(r.errors[0] ?? 'a health check failed')})`;
  if (r.result === 'failed' && r.resources.length === 0) return `${host}: failed ${at} (${clip(r.errors[0] ?? 'the run could not start')})`;

  const s = r.summary;
  if (facts.interrupted) {
    const notReached = r.resources.filter((x) => x.status === 'skipped' && x.error?.startsWith('interrupted')).length;
    return `${host}: interrupted at ${at} (${counts(s.changed + s.pruned, s.failed)}; ${notReached} not reached)`;
  }
  if (r.mode !== 'apply') {
    const pending = r.resources.filter((x) => x.status === 'pending');
    const why = facts.notHealedBecause ? `; not changed: ${facts.notHealedBecause}` : '';
    if (facts.newCommit) return `${host}: planned ${at} (${pending.length} to change${why})`;
    if (pending.length > 0) return `${host}: drift in ${ids(pending)}${facts.notHealedBecause ? ` (not changed: ${facts.notHealedBecause})` : ''}`;
    if (s.failed > 0) return `${host}: ${s.failed} failed to check at ${at} (${ids(r.resources.filter((x) => x.status === 'failed'))})`;
    return `${host}: in sync at ${at}`;
  }
  const failed = r.resources.filter((x) => x.status === 'failed');
  const failedText = failed.length ? `, ${failed.length} failed` : '';
  if (facts.newCommit) return `${host}: applied ${at} (${counts(s.changed + s.pruned, failed.length)})`;
  const healed = r.resources.filter((x) => x.drift && x.status === 'changed');
  if (healed.length > 0) return `${host}: drift healed in ${ids(healed)}${failedText ? ` (${failed.length} failed: ${ids(failed)})` : ''}`;
  if (failed.length > 0) return `${host}: ${failed.length} failed at ${at} (${ids(failed)})`;
  const kept = r.resources.filter((x) => x.drift && x.status === 'skipped');
  if (kept.length > 0) return `${host}: drift in ${ids(kept)} (left as is: ${clip(kept[0]!.error ?? 'not changed by converge')})`;
  if (s.changed + s.pruned > 0) return `${host}: converged ${at} (${counts(s.changed + s.pruned, 0)})`;
  return `${host}: in sync at ${at}`;
}

function counts(changed: number, failed: number): string {
  if (changed === 0 && failed === 0) return 'in sync';
  return [changed ? `${changed} changed` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(', ');
}

/** "file:/a", "file:/a and file:/b", "file:/a, file:/b and 3 more". */
function ids(list: ResourceReport[]): string {
  const names = list.map((x) => x.id);
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

function short(commit: string | null): string {
  return commit ? commit.slice(0, 7) : '(no commit)';
}

function clip(text: string): string {
  const line = text.split('\n')[0]!;
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
