// converge rollout: where a commit stands in its rollout. Each ring with its
// hosts: who applied it and for how long, who failed it, who holds and why,
// and when the next ring opens. Read from the fleet commit (its rings) and
// the status branch (the hosts' reports), as the agents' gates read them.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveSource } from './status.js';
import type { StatusFlags } from './status.js';
import { Printer } from './output.js';
import { fleetRingsAt } from '../rollout/rings-at.js';
import { gateFor, rolloutProgress } from '../rollout/progress.js';
import type { GateDecision, RingProgress } from '../rollout/progress.js';
import type { Ring } from '../manifest/fleet-schema.js';
import { statusBranchReports } from '../report/report-source.js';
import { gitAt, gitMessage, remoteError, safeUrl } from '../source/git.js';
import { ConvergeError } from '../platform/errors.js';

export interface RolloutFlags extends Omit<StatusFlags, 'staleAfter'> {
  commit?: string;
}

/** A ring's progress and its gate, as --json shows it: the ring's settings flattened in. */
export interface RingView extends Omit<RingProgress, 'ring'>, Ring {
  /** May this ring's hosts apply the commit now? */
  gate: GateDecision;
}

export async function rolloutCommand(flags: RolloutFlags): Promise<number> {
  const where = await resolveSource(flags);
  const work = await mkdtemp(path.join(os.tmpdir(), 'converge-rollout-'));
  try {
    const commit = await fetchCommit(work, where.url, where.branch, flags.commit);
    const fleet = await fleetRingsAt(work, commit);
    const out = new Printer();
    if (!fleet) {
      if (flags.json) out.line(JSON.stringify({ commit, rings: null }, null, 2));
      else out.line(`${commit.slice(0, 7)}: no hosts/_fleet.yml, so no rings: every host applies a commit as soon as it sees it`);
      return 0;
    }
    const snapshot = await statusBranchReports({ ...where, dir: path.join(work, 'status') }).read();
    const progress = rolloutProgress({ fleet, commit, reports: snapshot.reports, statusCommit: snapshot.statusCommit, now: new Date() });
    const rings: RingView[] = progress.rings.map((r) => ({
      name: r.ring.name,
      successThreshold: r.ring.successThreshold,
      soakMs: r.ring.soakMs,
      maxUnavailable: r.ring.maxUnavailable,
      hosts: r.hosts.map((h) => ({ ...h, ...(h.detail ? { detail: printable(h.detail) } : {}) })),
      healthy: r.healthy,
      failed: r.failed,
      needed: r.needed,
      done: r.done,
      halted: r.halted,
      doneAt: r.doneAt,
      gate: gateFor(progress, r.ring.name),
    }));
    if (flags.json) {
      out.line(JSON.stringify({ repo: safeUrl(where.url), branch: where.branch, commit, statusBranch: where.statusBranch, statusCommit: snapshot.statusCommit, rings }, null, 2));
      return 0;
    }
    for (const line of rolloutLines(commit, snapshot.statusCommit, rings)) out.line(line);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The table for people: one line per ring, then its hosts. */
export function rolloutLines(commit: string, statusCommit: string | null, rings: RingView[]): string[] {
  const out = [`rollout of ${commit.slice(0, 7)} (status branch at ${statusCommit ? statusCommit.slice(0, 7) : 'none yet'})`, ''];
  const rows = rings.map((r) => [r.name, String(r.hosts.length), `${r.healthy}/${r.needed}`, String(r.failed), ringState(r)]);
  const header = ['RING', 'HOSTS', 'HEALTHY/NEEDED', 'FAILED', 'STATE'];
  const widths = header.map((t, i) => Math.max(t.length, ...rows.map((row) => row[i]!.length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  out.push(pad(header), ...rows.map(pad), '');
  for (const r of rings) {
    for (const h of r.hosts) {
      const since = h.appliedAt ? ` since ${h.appliedAt}` : '';
      const soak = h.state === 'soaking' && h.healthyAt ? ` (soak ends ${h.healthyAt})` : '';
      out.push(`${r.name}/${h.host}: ${h.state}${since}${soak}${h.detail ? ` — ${h.detail}` : ''}`);
    }
  }
  const reasons = rings.filter((r) => !r.gate.open && !r.done);
  if (reasons.length) out.push('', ...reasons.map((r) => `${r.name} holds: ${r.gate.open ? '' : r.gate.reason}`));
  return out;
}

function ringState(r: RingView): string {
  if (r.halted) return 'halted';
  if (r.done) return r.needed === r.healthy && r.hosts.every((h) => h.state === 'healthy') ? 'done' : 'done (enough healthy)';
  if (r.gate.open) return r.doneAt ? `applying; done at ${r.doneAt}` : 'applying';
  if (r.gate.halted) return `held (halted in ${r.gate.ring})`;
  return r.gate.opensAt ? `held; opens at ${r.gate.opensAt}` : `held (waiting for ${r.gate.ring})`;
}

/** Put the fleet commit into `work` (a bare repository): `ref` on the branch's history, or the branch head. */
async function fetchCommit(work: string, url: string, branch: string, ref: string | undefined): Promise<string> {
  const git = gitAt(work);
  await git.raw(['init', '--quiet', '--bare']);
  try {
    await git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', url, `+refs/heads/${branch}:refs/m`]);
  } catch (error) {
    if (/couldn't find remote ref/i.test(gitMessage(error))) throw new ConvergeError('not-found', `branch ${branch} does not exist on ${safeUrl(url)}`, { cause: error });
    throw remoteError(`cannot fetch ${branch} from ${safeUrl(url)}`, error);
  }
  if (ref !== undefined && !/^[0-9a-f]{4,64}$/i.test(ref)) throw new ConvergeError('invalid-input', `--commit ${ref}: expected a commit id (hex) on ${branch}`);
  try {
    return (await git.raw(['rev-parse', '--verify', '--quiet', `${ref ?? 'refs/m'}^{commit}`])).trim();
  } catch (error) {
    throw new ConvergeError('not-found', `--commit ${ref}: no such commit on ${branch}`, { cause: error });
  }
}

/** Text read from the status branch is data: no terminal control characters reach the screen. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300);
}
