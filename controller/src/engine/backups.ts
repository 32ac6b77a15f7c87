// Before a provider overwrites or removes a path it saves what was there, so an
// operator (or a rollback) can restore it. One folder per run under
// <stateDir>/backups/<run-id>/, readable only by root: backups may hold secrets.
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from '../platform/errors.js';
import { withParent } from '../platform/safe-path.js';
import { lstatAt, readFileAt, readlinkAt } from '../platform/safe-ops.js';
import { writeFileAtomicSync } from '../platform/fs-atomic.js';

/** What was at a path before this run touched it. */
export interface BackupEntry {
  local: string;
  kind: 'file' | 'symlink' | 'directory' | 'absent';
  mode?: number;
  uid?: number;
  gid?: number;
  /** File name of the saved copy inside the run's folder (files only). */
  blob?: string;
  /** Link target (symlinks only). */
  target?: string;
}

/** The backups of one run. A `null` folder makes every call a no-op (plan, monitor). */
export class Backups {
  private readonly saved = new Map<string, BackupEntry>();
  private index: number | null = null;

  /** `root` is where managed paths are walked from (safe-path.ts): what is saved is what the path really holds. */
  constructor(readonly dir: string | null, private readonly root = '/') {}

  /** Save what is at `local` now, once per path per run. */
  async save(local: string): Promise<void> {
    if (!this.dir || this.saved.has(local)) return;
    if (this.index === null) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.index = openSync(path.join(this.dir, 'index.jsonl'), 'a', 0o600);
    }
    const entry = this.snapshot(local);
    this.saved.set(local, entry);
    writeSync(this.index, JSON.stringify(entry) + '\n');
  }

  /** Close the index (end of run). */
  close(): void {
    if (this.index !== null) closeSync(this.index);
    this.index = null;
  }

  /** Everything saved in this run, in order. */
  entries(): BackupEntry[] {
    return [...this.saved.values()];
  }

  private snapshot(local: string): BackupEntry {
    try {
      return withParent(this.root, local, {}, (dir, name) => {
        const st = lstatAt(dir, name);
        if (!st) return { local, kind: 'absent' } as BackupEntry;
        const base = { local, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
        if (st.isSymbolicLink()) return { ...base, kind: 'symlink', target: readlinkAt(dir, name) };
        if (st.isDirectory()) return { ...base, kind: 'directory' };
        // Read through a descriptor opened without following a link: a swap after the lstat cannot make this another file.
        const blob = `${this.saved.size}.blob`;
        writeFileAtomicSync(path.join(this.dir!, blob), readFileAt(dir, name), { mode: 0o600 });
        return { ...base, kind: 'file', blob };
      });
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return { local, kind: 'absent' };
      throw error;
    }
  }
}

/** The entries saved by a past run, oldest first. */
export async function readBackups(runDir: string): Promise<BackupEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(runDir, 'index.jsonl'), 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as BackupEntry);
}

/** Keep the newest `keep` run folders under `backupsDir` (names sort by time). */
export async function pruneBackups(backupsDir: string, keep: number): Promise<void> {
  let runs: string[];
  try {
    runs = (await readdir(backupsDir)).sort();
  } catch {
    return;
  }
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    await rm(path.join(backupsDir, old), { recursive: true, force: true });
  }
}
