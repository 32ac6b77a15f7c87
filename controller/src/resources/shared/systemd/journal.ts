// What a run did to the service manager, one JSON line per action in the
// run's backup folder, so a rollback can undo it (the files themselves are
// in the backups).
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../../types.js';
import { errnoOf } from '../../../platform/errors.js';

export type ManagerAction = 'enable' | 'disable' | 'mask' | 'unmask' | 'start' | 'stop' | 'restart' | 'reload';

/** One action on one unit; `wasRunning` for a unit whose file changed. */
export interface JournalEntry {
  action: ManagerAction | 'file';
  unit: string;
  wasRunning?: boolean;
}

export const JOURNAL_FILE = 'systemd.jsonl';

/** Append actions to this run's journal (nothing in plan or monitor mode). */
export function journal(ctx: Pick<Context, 'backups'>, entries: JournalEntry[]): void {
  const dir = ctx.backups.dir;
  if (!dir || entries.length === 0) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  appendFileSync(path.join(dir, JOURNAL_FILE), entries.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
}

/** The actions a past run recorded, in order. */
export function readJournal(runDir: string): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(path.join(runDir, JOURNAL_FILE), 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEntry);
}
