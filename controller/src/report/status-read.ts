// Read the fleet from the status branch: every host's report at its tip (with
// whether it is verified as that host's own), and how far each host's
// applied commit is behind the fleet branch. Works in a throwaway bare
// repository, so nothing of the caller's changes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gitAt, safeUrl } from '../source/git.js';
import { readVerifiedStatuses } from './status-verify.js';
import { OBJECT_ID } from './read-repo.js';
import type { StatusDocument } from './status-document.js';
import { durationToMs } from '../platform/duration-ms.js';

export interface HostStatus {
  /** From the path state/<host>/ on the status branch. */
  host: string;
  /** The report is this host's own: the last change to its folder, or its status.json.sig, is signed by its agentKey. */
  verified: boolean;
  /** Why it is not verified; null when it is. */
  reason: string | null;
  /** When the host last reported (its last run's end). */
  lastSeen: string;
  stale: boolean;
  staleAfterMs: number;
  result: StatusDocument['result'] | 'unknown';
  event: string;
  /** The commit in force on the host. */
  applied: string | null;
  /** Commits on the fleet branch after `applied`; null when unknown (applied is not in the branch's history). */
  behind: number | null;
  drifted: string[];
  failed: { id: string; error?: string }[];
  errors: string[];
  mode: StatusDocument['agent']['mode'] | null;
}

export interface FleetStatus {
  repo: string;
  branch: string;
  head: string | null;
  statusBranch: string;
  statusHead: string | null;
  hosts: HostStatus[];
}

export interface ReadOptions {
  /** The fleet repository (URL or path). */
  url: string;
  branch: string;
  /** Where the status branch lives (default: url). */
  statusUrl?: string;
  statusBranch: string;
  /** Override the per-host stale threshold. */
  staleAfterMs?: number;
  now?: Date;
}

/** Fetch both branches and read every host's status, each marked verified or not (see status-verify.ts). */
export async function readFleetStatus(options: ReadOptions): Promise<FleetStatus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'converge-status-'));
  try {
    const read = await readVerifiedStatuses(
      { url: options.url, branch: options.branch, statusUrl: options.statusUrl, statusBranch: options.statusBranch },
      { workDir: dir, fleetHistory: true, now: options.now },
    );
    const head = read.fleetHead;
    const now = (options.now ?? new Date()).getTime();
    const behindCache = new Map<string, number | null>();
    const hosts: HostStatus[] = [];
    for (const { host, report: doc, verified, reason } of read.hosts) {
      const applied = doc?.applied ?? null;
      let behind: number | null = null;
      if (applied && head) {
        if (!behindCache.has(applied)) behindCache.set(applied, await countBetween(dir, applied, head));
        behind = behindCache.get(applied)!;
      }
      const staleAfterMs = options.staleAfterMs ?? 2 * Math.max(safeDuration(doc?.agent?.interval, 15 * 60_000), safeDuration(doc?.agent?.heartbeat, 24 * 3_600_000));
      const lastSeen = doc?.endedAt ?? '';
      hosts.push({
        host,
        verified,
        reason,
        lastSeen,
        stale: !doc || !(now - Date.parse(lastSeen) <= staleAfterMs),
        staleAfterMs,
        result: doc?.result ?? 'unknown',
        event: doc?.event ?? '',
        applied,
        behind,
        drifted: (doc?.resources ?? []).filter((r) => r.drift).map((r) => r.id),
        failed: (doc?.resources ?? []).filter((r) => r.status === 'failed').map((r) => ({ id: r.id, ...(r.error ? { error: r.error } : {}) })),
        errors: doc?.errors ?? [],
        mode: doc?.agent?.mode ?? null,
      });
    }
    hosts.sort((a, b) => a.host.localeCompare(b.host));
    return { repo: safeUrl(options.url), branch: options.branch, head, statusBranch: options.statusBranch, statusHead: read.statusHead, hosts };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Commits in `to` after `from`; both are checked commit ids, and `--end-of-options` keeps either from being read as an option. */
async function countBetween(dir: string, from: string, to: string): Promise<number | null> {
  if (!OBJECT_ID.test(from) || !OBJECT_ID.test(to)) return null;
  try {
    return Number((await gitAt(dir).raw(['rev-list', '--count', '--end-of-options', `${from}..${to}`])).trim());
  } catch {
    return null;
  }
}

function safeDuration(text: string | undefined, fallback: number): number {
  try {
    return typeof text === 'string' ? durationToMs(text) : fallback;
  } catch {
    return fallback;
  }
}
