// Before a provider overwrites or removes a path it saves what was there, so an
// operator (or a rollback) can restore it. One folder per run under
// <stateDir>/backups/<run-id>/, readable only by root: backups may hold secrets.
import { copyFileSync, lstatSync, mkdirSync, openSync, readlinkSync, writeSync, closeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from '../platform/errors.js';

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

  constructor(readonly dir: string | null) {}

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
    let st;
    try {
      st = lstatSync(local);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return { local, kind: 'absent' };
      throw error;
    }
    const base = { local, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isSymbolicLink()) return { ...base, kind: 'symlink', target: readlinkSync(local) };
    if (st.isDirectory()) return { ...base, kind: 'directory' };
    const blob = `${this.saved.size}.blob`;
    copyFileSync(local, path.join(this.dir!, blob));
    return { ...base, kind: 'file', blob };
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
