// Where rollout gating and `converge rollout` read other hosts' reports: one
// small interface, so the source can change (signed reports checked against
// each host's agentKey, sharded paths, a blob store) without touching the
// gate. Today's source reads every status.json at the status branch tip and
// takes them as they are; until host reports are signed, `verified` says so.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitAt, gitMessage, remoteError, safeUrl } from '../source/git.js';
import { readDocuments } from './status-read.js';
import { remoteHead } from '../source/remote.js';
import type { StatusDocument } from './status-document.js';

/** One host's latest report, and whether it may be trusted. */
export interface SourcedReport {
  host: string;
  doc: StatusDocument;
  /** Only verified reports count for gating. */
  verified: boolean;
  /** Why it is (not) verified, for people. */
  reason: string;
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
}

/** Not checked: the reports on the status branch are not signed by their hosts yet (fleet trust). */
const UNSIGNED = 'status reports are not signed yet: taken as the status branch holds them';

/** Reads the status branch tip into a small bare repository kept in `dir` (shallow); an unmoved tip (one ls-remote) is not read again. */
export function statusBranchReports(options: { url: string; branch: string; dir: string }): ReportSource {
  let last: ReportSnapshot | null = null;
  return {
    async read() {
      const { dir } = options;
      if (!existsSync(path.join(dir, 'HEAD'))) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await gitAt(dir).raw(['init', '--quiet', '--bare']);
      }
      const tip = await remoteHead(options.url, options.branch, dir);
      if (tip === null) return { statusCommit: null, reports: [] };
      if (last && last.statusCommit === tip) return last;
      try {
        await gitAt(dir).raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--depth=1', options.url, `+refs/heads/${options.branch}:refs/converge/status`]);
      } catch (error) {
        if (/couldn't find remote ref/i.test(gitMessage(error))) return { statusCommit: null, reports: [] };
        throw remoteError(`cannot fetch ${options.branch} from ${safeUrl(options.url)}`, error);
      }
      const fetched = (await gitAt(dir).raw(['rev-parse', 'refs/converge/status'])).trim();
      const docs = await readDocuments(dir, fetched);
      last = { statusCommit: fetched, reports: docs.map((doc) => ({ host: doc.host, doc, verified: true, reason: UNSIGNED })) };
      return last;
    },
  };
}
