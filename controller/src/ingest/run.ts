// One ingestion run: walk the cloud folder (never the mount), copy what is
// new or changed since the last run to `<dest>/<rel>.partial`, then rename it
// into place. What was copied is remembered in a local index, so the
// destination on the SMB share is never listed. A report is written for the
// health signal: copied, failed, whether the mount was there, and whether
// macOS let us read the source at all (Full Disk Access).
import { copyFile, lstat, mkdir, readFile, readdir, rename, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { PARTIAL, checkDisjoint, isMountPoint, skippedName } from './guards.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { errnoOf, messageOf } from '../platform/errors.js';

export interface IngestOptions {
  name: string;
  source: string;
  destination: string;
  /** The SMB mount the destination is on: never scanned; nothing is copied while it is not mounted. */
  mount?: string;
  /** Folder for the index and the report (local, the user's). */
  stateDir: string;
  /** The binary macOS must grant Full Disk Access to (named in the report). */
  program?: string;
  /** Stop after this many files (a first run of a large iCloud Drive is done in slices). */
  maxFiles?: number;
}

export interface IngestReport {
  name: string;
  time: string;
  state: 'ok' | 'degraded' | 'blocked';
  source: string;
  destination: string;
  /** granted: the source could be read; missing: macOS refused (grant Full Disk Access); absent: no such folder. */
  fullDiskAccess: 'granted' | 'missing' | 'absent';
  mounted: boolean | null;
  copied: number;
  unchanged: number;
  failed: { path: string; error: string }[];
  attention: string[];
}

type Index = Record<string, { size: number; mtimeMs: number }>;

/** Where the report of job `name` is written. */
export function reportPath(stateDir: string, name: string): string {
  return path.join(stateDir, `${name}.json`);
}

/** Run one ingestion; never throws for a file, only for bad options. */
export async function ingest(o: IngestOptions): Promise<IngestReport> {
  await checkDisjoint(o.source, o.destination, o.mount);
  const report: IngestReport = {
    name: o.name,
    time: new Date().toISOString(),
    state: 'ok',
    source: o.source,
    destination: o.destination,
    fullDiskAccess: 'granted',
    mounted: o.mount ? await isMountPoint(o.mount) : null,
    copied: 0,
    unchanged: 0,
    failed: [],
    attention: [],
  };
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  try {
    await readdir(o.source);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EPERM' || code === 'EACCES') {
      report.fullDiskAccess = 'missing';
      report.state = 'blocked';
      report.attention.push(`macOS refused to read ${o.source}: grant Full Disk Access to ${o.program ?? process.execPath} (System Settings › Privacy & Security › Full Disk Access)`);
    } else if (code === 'ENOENT') {
      report.fullDiskAccess = 'absent';
      report.state = 'blocked';
      report.attention.push(`${o.source} does not exist (is this cloud turned on for this user?)`);
    } else throw error;
    return finish(o, report);
  }
  if (report.mounted === false) {
    report.state = 'blocked';
    report.attention.push(`${o.mount} is not mounted: nothing copied (it would land on the local disk, hidden under the mount)`);
    return finish(o, report);
  }
  const indexFile = path.join(o.stateDir, `${o.name}.index.json`);
  const index = await readIndex(indexFile);
  let budget = o.maxFiles ?? Infinity;
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(o.source, rel), { withFileTypes: true });
    } catch (error) {
      report.failed.push({ path: rel || '.', error: messageOf(error) });
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (budget <= 0) return;
      if (skippedName(entry.name)) continue;
      const childRel = rel ? path.join(rel, entry.name) : entry.name;
      // lstat: a link is never followed (a link back into /space would loop).
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        await walk(childRel);
        continue;
      }
      if (!entry.isFile()) continue;
      try {
        const st = await lstat(path.join(o.source, childRel));
        const seen = index[childRel];
        if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs) {
          report.unchanged++;
          continue;
        }
        await copyOne(path.join(o.source, childRel), path.join(o.destination, childRel), st.atime, st.mtime);
        index[childRel] = { size: st.size, mtimeMs: st.mtimeMs };
        report.copied++;
        budget--;
      } catch (error) {
        report.failed.push({ path: childRel, error: messageOf(error) });
      }
    }
  };
  await walk('');
  await writeFileAtomic(indexFile, JSON.stringify(index) + '\n', { mode: 0o600 });
  if (report.failed.length) {
    report.state = 'degraded';
    report.attention.push(`${report.failed.length} file(s) could not be copied; see ${reportPath(o.stateDir, o.name)}`);
  }
  return finish(o, report);
}

/** Copy to `<to>.partial`, keep the times, rename into place: a reader never sees half a file. */
async function copyOne(from: string, to: string, atime: Date, mtime: Date): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  const partial = to + PARTIAL;
  try {
    await copyFile(from, partial);
    await utimes(partial, atime, mtime);
    await rename(partial, to);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}

async function readIndex(file: string): Promise<Index> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Index;
  } catch {
    return {};
  }
}

async function finish(o: IngestOptions, report: IngestReport): Promise<IngestReport> {
  await writeFileAtomic(reportPath(o.stateDir, o.name), JSON.stringify(report, null, 2) + '\n', { mode: 0o644 });
  return report;
}
