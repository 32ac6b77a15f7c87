// Where rollout gating and `converge rollout` read other hosts' reports: one
// small interface, so the source can change (sharded paths, a blob store)
// without touching the gate. Today's source is the status branch read by
// readVerifiedStatuses: a report is verified only when the last change to its
// host's folder is signed by that host's agentKey (DESIGN §7); any other is
// returned unverified with the reason, and counts for nothing.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readVerifiedStatuses } from './status-verify.js';
import { readCache } from './read-cache.js';
import type { ReadCache } from './read-cache.js';
import type { StatusSource } from './status-verify.js';
import { remoteHeads } from '../source/remote.js';
import type { StatusDocument } from './status-document.js';

/** One host's latest report, and whether it may be trusted. */
export interface SourcedReport {
  host: string;
  /** The report; null when its status.json is missing, too big or unreadable (then it is never verified). */
  doc: StatusDocument | null;
  /** Only verified reports count for gating. */
  verified: boolean;
  /** Why it is not verified, for people; null when it is. */
  reason: string | null;
}

/** The reports at one status-branch commit. */
export interface ReportSnapshot {
  /** The status-branch commit they were read at (null: no status branch yet). */
  statusCommit: string | null;
  reports: SourcedReport[];
}

/** Anything that can tell the latest report of every host. */
export interface ReportSource {
  read(): Promise<ReportSnapshot>;
  /** What the reads kept (status-branch source): for tests and benches that count the signature checks. */
  readonly cache?: ReadCache;
}

/**
 * The status branch, each report checked against its host's agentKey on the
 * fleet branch. Reads in one repository kept in `dir`/repo (root-only, data
 * only: no hooks or config come from a branch), fetching only what is new and
 * checking only the reports that changed; while neither the status tip nor the
 * fleet head moved (one ls-remote when both live in one repository) the last
 * snapshot is returned without reading again.
 */
export function statusBranchReports(options: StatusSource & { dir: string }): ReportSource {
  let last: { key: string; snapshot: ReportSnapshot } | null = null;
  const statusUrl = options.statusUrl ?? options.url;
  const cache = readCache();
  return {
    cache,
    async read() {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const [status, fleet] = await tips(options, statusUrl);
      if (status === null) return { statusCommit: null, reports: [] };
      if (last && last.key === `${status} ${fleet}`) return last.snapshot;
      const read = await readVerifiedStatuses(options, { workDir: path.join(options.dir, 'repo'), cache, fleetTip: fleet });
      const reports = read.hosts.map(({ host, report, verified, reason }) => ({ host, doc: report, verified, reason }));
      const snapshot = { statusCommit: read.statusHead, reports };
      last = { key: `${read.statusHead} ${read.fleetHead}`, snapshot };
      return snapshot;
    },
  };
}

/** The status tip and the fleet head (null when a branch does not exist): one ls-remote, or one per repository. */
async function tips(source: StatusSource & { dir: string }, statusUrl: string): Promise<[string | null, string | null]> {
  if (statusUrl === source.url) {
    const heads = await remoteHeads(statusUrl, [source.statusBranch, source.branch], source.dir);
    return [heads.get(source.statusBranch) ?? null, heads.get(source.branch) ?? null];
  }
  const [status, fleet] = await Promise.all([remoteHeads(statusUrl, [source.statusBranch], source.dir), remoteHeads(source.url, [source.branch], source.dir)]);
  return [status.get(source.statusBranch) ?? null, fleet.get(source.branch) ?? null];
}
