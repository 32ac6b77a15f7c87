// Reports waiting to be pushed, on disk in the state directory, in order. A
// report is first written here (atomically: a folder renamed into place),
// then pushed, then removed; so a report survives a remote that is down and a
// kill -9, and the status branch itself tells which ones already arrived.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, syncDirectory } from '../platform/fs-atomic.js';
import { errnoOf } from '../platform/errors.js';

/** One queued report: the two files for state/<host>/ and the commit message. */
export interface OutboxEntry {
  seq: number;
  /** The report's unique id (status.json's reportId). */
  id: string;
  dir: string;
  /** The commit message (first line: the event). */
  message: string;
  /** The report's end time, the status commit's author date. */
  at: string;
  /** A drift report: a run of them may be pushed as one commit (see coalesce). */
  drift: boolean;
}

export interface OutboxItem {
  id: string;
  statusJson: string;
  statusMarkdown: string;
  message: string;
  at: string;
  drift?: boolean;
}

const ENTRY = /^(\d{12})-([\w.-]+)$/;

/** The queue of reports in `<stateDir>/outbox`. */
export class Outbox {
  private constructor(readonly dir: string) {}

  /** Open the queue, clearing what a crash left half-written or half-removed. */
  static async open(stateDir: string): Promise<Outbox> {
    const dir = path.join(stateDir, 'outbox');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir)) {
      if (name.startsWith('.tmp-') || name.startsWith('.done-')) await rm(path.join(dir, name), { recursive: true, force: true });
    }
    return new Outbox(dir);
  }

  /** Queue a report; it is on disk (and fsynced) when this returns. */
  async add(item: OutboxItem): Promise<OutboxEntry> {
    const seq = (await this.lastSeq()) + 1;
    await writeFileAtomic(path.join(this.dir, 'seq'), `${seq}\n`, { mode: 0o600 });
    const name = `${String(seq).padStart(12, '0')}-${item.id}`;
    const tmp = path.join(this.dir, `.tmp-${name}`);
    await mkdir(tmp, { mode: 0o700 });
    await writeFileAtomic(path.join(tmp, 'status.json'), item.statusJson, { mode: 0o600 });
    await writeFileAtomic(path.join(tmp, 'STATUS.md'), item.statusMarkdown, { mode: 0o600 });
    await writeFileAtomic(path.join(tmp, 'message'), item.message, { mode: 0o600 });
    await writeFileAtomic(path.join(tmp, 'at'), item.at, { mode: 0o600 });
    if (item.drift) await writeFileAtomic(path.join(tmp, 'drift'), '', { mode: 0o600 });
    await rename(tmp, path.join(this.dir, name));
    await syncDirectory(this.dir);
    return { seq, id: item.id, dir: path.join(this.dir, name), message: item.message, at: item.at, drift: item.drift ?? false };
  }

  /** Queued reports, oldest first. */
  async list(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      const m = ENTRY.exec(name);
      if (!m) continue;
      const dir = path.join(this.dir, name);
      try {
        const [message, at, drift] = await Promise.all([
          readFile(path.join(dir, 'message'), 'utf8'),
          readFile(path.join(dir, 'at'), 'utf8'),
          readFile(path.join(dir, 'drift')).then(() => true, () => false),
        ]);
        out.push({ seq: Number(m[1]), id: m[2]!, dir, message, at: at.trim(), drift });
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
    }
    return out;
  }

  /** Drop a delivered report (renamed away first, so a crash never leaves half of one queued). */
  async remove(entry: OutboxEntry): Promise<void> {
    const done = path.join(this.dir, `.done-${path.basename(entry.dir)}`);
    try {
      await rename(entry.dir, done);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw error;
    }
    await rm(done, { recursive: true, force: true });
  }

  private async lastSeq(): Promise<number> {
    let last = 0;
    try {
      last = Number((await readFile(path.join(this.dir, 'seq'), 'utf8')).trim()) || 0;
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    for (const name of await readdir(this.dir)) {
      const m = ENTRY.exec(name);
      if (m) last = Math.max(last, Number(m[1]));
    }
    return last;
  }
}

/** Queued reports as status commits: a run of consecutive drift reports becomes one (the last one's files, every event in the message). */
export function coalesce(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const groups: OutboxEntry[][] = [];
  for (const e of entries) {
    const last = groups[groups.length - 1];
    if (e.drift && last?.[last.length - 1]?.drift) last.push(e);
    else groups.push([e]);
  }
  return groups;
}

/** The commit message of a group: one event as it is; several as the newest, a count, and every event below. */
export function groupMessage(group: readonly OutboxEntry[]): string {
  const first = (e: OutboxEntry) => e.message.split('\n')[0]!;
  if (group.length === 1) return group[0]!.message.endsWith('\n') ? group[0]!.message : `${group[0]!.message}\n`;
  const newest = first(group[group.length - 1]!);
  return `${newest} (${group.length} drift events)\n\n${group.map((e) => `${e.at} ${first(e)}`).join('\n')}\n`;
}
