// Where each host's report lives on the status branch, in one place: the host
// a report belongs to comes from its path (never from the JSON inside), and
// every reader and writer agrees on that path. state/<host>/ for a fleet that
// fits one folder, state/_<shard>/<host>/ past a configurable size (forges list
// at most a few thousand entries per folder), with state/index.json telling
// each host's folder.
import { createHash } from 'node:crypto';
import { HOST_NAME } from '../manifest/host-schema.js';

/** The folder of all reports at the branch's top level. */
export const STATE_ROOT = 'state';

/** The folder that holds one host's report (the unit that host signs). */
export function hostDir(host: string): string {
  return `${STATE_ROOT}/${host}`;
}

/** The files a host writes in its folder, by role. */
export const REPORT_FILES = { json: 'status.json', markdown: 'STATUS.md', signature: 'status.json.sig' } as const;

/** state/<host>/status.json. */
export function statusJsonPath(host: string): string {
  return `${hostDir(host)}/${REPORT_FILES.json}`;
}

/** The host whose folder `file` (a path in the branch's tree) is in, or null when it is not a host's report path. */
export function hostOfPath(file: string): string | null {
  const parts = file.split('/');
  if (parts.length < 2 || parts[0] !== STATE_ROOT) return null;
  // A sharded branch (state/_<shard>/<host>/): the host is the folder inside the shard.
  if (isShardFolder(parts[1]!)) return parts.length >= 3 && HOST_NAME.test(parts[2]!) ? parts[2]! : null;
  return HOST_NAME.test(parts[1]!) ? parts[1]! : null;
}

/** The report folder `file` is in (state/<host> or state/_<shard>/<host>), or null when it is not in one. */
export function folderOfPath(file: string): string | null {
  if (!hostOfPath(file)) return null;
  const parts = file.split('/');
  return parts.slice(0, isShardFolder(parts[1]!) ? 3 : 2).join('/');
}

/** The generated index of a sharded or aggregated status branch. */
export const INDEX_PATH = 'state/index.json';

/** How many shard folders a sharded branch has: 256, so 10,000 hosts are ~40 a folder. */
const SHARD_HEX = 2;

/** A host's shard: `_` and two hex digits of its name's SHA-1 (no host name has `_`, so a shard never looks like a host). */
export function shardOf(host: string): string {
  return `_${createHash('sha1').update(host).digest('hex').slice(0, SHARD_HEX)}`;
}

/** The folder of `host`'s report: flat or sharded. */
export function hostStatusDir(host: string, sharded: boolean): string {
  return sharded ? `state/${shardOf(host)}/${host}` : `state/${host}`;
}

/** True for a path segment under state/ that is a shard folder, not a host. */
export function isShardFolder(name: string): boolean {
  return /^_[0-9a-f]{2}$/.test(name);
}

/** One host in the index. */
export interface IndexEntry {
  /** The folder holding status.json, STATUS.md and status.json.sig. */
  dir: string;
  reportId: string;
  result: string;
  endedAt: string;
  event: string;
  applied: string | null;
  /** The blob's ETag when the aggregator committed it: its checkpoint. */
  etag: string;
  /** The host's rollout ring, when its report names one. */
  ring?: string;
  /** A newer commit the host holds (its report's `waiting`): which, held/pending/deferred, and why. */
  waiting?: { commit: string; result: string; reason: string };
}

/** state/index.json: every aggregated host, so a reader finds 10,000 hosts in one blob. */
export interface StatusIndex {
  version: 1;
  sharded: boolean;
  hosts: Record<string, IndexEntry>;
}

/** Parse state/index.json; null when it is not an index this version reads. */
export function parseIndex(text: string): StatusIndex | null {
  try {
    const doc = JSON.parse(text) as Partial<StatusIndex> | null;
    if (!doc || doc.version !== 1 || typeof doc.hosts !== 'object' || doc.hosts === null || Array.isArray(doc.hosts)) return null;
    return { version: 1, sharded: doc.sharded === true, hosts: doc.hosts };
  } catch {
    return null;
  }
}
