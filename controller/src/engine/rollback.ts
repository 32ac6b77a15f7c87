// Undo one converge: the service manager actions it took (from its journal)
// and the files it changed (from its backups), in the order that keeps the
// manager consistent: stop what it started and undo enabling while the unit
// files it wrote are still there, restore the files, undo disabling (the
// files of removed units are back), reload once, then start what it stopped
// and restart what it restarted so the old definitions and configs run again.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BaseContext } from './context.js';
import { readBackups } from './backups.js';
import type { BackupEntry } from './backups.js';
import { readJournal } from '../resources/shared/systemd/journal.js';
import type { JournalEntry } from '../resources/shared/systemd/journal.js';
import type { RollbackReport } from '../report/report.js';
import { writeFileAtomicSync } from '../platform/fs-atomic.js';
import { messageOf } from '../platform/errors.js';
import { withParent } from '../platform/safe-path.js';
import { lstatAt, mkdirAt, rmdirAt, setAttributesAt, symlinkAt, unlinkAt } from '../platform/safe-ops.js';

const UNDO: Partial<Record<JournalEntry['action'], 'enable' | 'disable' | 'mask' | 'unmask'>> = { enable: 'disable', disable: 'enable', mask: 'unmask', unmask: 'mask' };

/** Roll back the run whose backups are in `runDir`. Never throws: what fails is listed in `errors`. */
export async function rollBack(runDir: string, ctx: BaseContext): Promise<Omit<RollbackReport, 'checksAfter'>> {
  const report: Omit<RollbackReport, 'checksAfter'> = { restored: [], undone: [], errors: [] };
  const journal = safe(() => readJournal(runDir), report, []);
  const backups = await readBackups(runDir).catch((error: unknown) => {
    report.errors.push(`cannot read the backups in ${runDir}: ${messageOf(error)}`);
    return [] as BackupEntry[];
  });
  const live = !ctx.sandboxed;
  const systemctl = async (args: string[], what: string) => {
    const r = await ctx.runner.run('systemctl', live ? args : [`--root=${ctx.root}`, ...args], { timeoutMs: 300_000 });
    if (r.exitCode === 0) report.undone.push(what);
    else report.errors.push(`${what} failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`);
  };

  const started = unique(journal.filter((e) => e.action === 'start').map((e) => e.unit));
  const stopped = unique(journal.filter((e) => e.action === 'stop').map((e) => e.unit));
  const toRestart = unique(journal.filter((e) => e.action === 'restart' || e.action === 'reload' || (e.action === 'file' && e.wasRunning)).map((e) => e.unit));

  // 1. stop what this run started
  if (live) for (const u of started) await systemctl(['stop', '--', u], `stopped ${u}`);
  // 2. undo enabling and masking, newest first, while the unit files the run wrote still exist
  const undoEnablement = async (actions: JournalEntry['action'][]) => {
    for (const e of [...journal].reverse()) {
      const undo = UNDO[e.action];
      if (undo && actions.includes(e.action)) await systemctl([undo, '--no-reload', '--', e.unit], `${undo}d ${e.unit}`);
    }
  };
  await undoEnablement(['enable', 'mask']);
  // 3. files, newest first (a file created in a new directory goes before the directory)
  for (const entry of [...backups].reverse()) {
    try {
      restore(entry, runDir, ctx.root);
      report.restored.push(hostPathOf(entry.local, ctx.root));
    } catch (error) {
      report.errors.push(`${hostPathOf(entry.local, ctx.root)}: ${messageOf(error)}`);
    }
  }
  // then undo disabling and unmasking: a unit the run removed has its file back now
  await undoEnablement(['disable', 'unmask']);
  if (live && journal.length > 0) {
    // 4. one reload for the restored unit files, then 5. bring back what ran before
    await systemctl(['daemon-reload'], 'daemon-reload');
    for (const u of stopped) await systemctl(['start', '--', u], `started ${u}`);
    for (const u of toRestart.filter((x) => !started.includes(x) && !stopped.includes(x))) {
      const r = await ctx.runner.run('systemctl', ['is-active', '--', u], { timeoutMs: 30_000 });
      if (r.stdout.trim() === 'active' || r.stdout.trim() === 'failed' || r.stdout.trim() === 'activating') await systemctl(['restart', '--', u], `restarted ${u}`);
    }
  }
  return report;
}

/** Put back what was at a path before the run, through the same safe walk as every write (safe-path.ts). */
function restore(entry: BackupEntry, runDir: string, root: string): void {
  if (entry.kind === 'file') {
    const bytes = readFileSync(path.join(runDir, entry.blob!));
    withParent(root, entry.local, {}, (dir, name) => {
      if (lstatAt(dir, name)?.isDirectory()) throw new Error('a directory stands where the file was; left as is');
    });
    writeFileAtomicSync(entry.local, bytes, { mode: entry.mode ?? 0o644, uid: entry.uid, gid: entry.gid, root });
    return;
  }
  withParent(root, entry.local, {}, (dir, name) => {
    const current = lstatAt(dir, name);
    const owner = entry.uid !== undefined ? { uid: entry.uid, gid: entry.gid } : {};
    switch (entry.kind) {
      case 'absent':
        if (!current) return;
        if (current.isDirectory()) rmdirAt(dir, name); // created by the run; fails (and is reported) if something else is in it now
        else unlinkAt(dir, name);
        return;
      case 'symlink':
        if (current?.isDirectory()) throw new Error('a directory stands where the link was; left as is');
        symlinkAt(dir, name, entry.target!);
        setAttributesAt(dir, name, owner);
        return;
      case 'directory':
        if (current && !current.isDirectory()) unlinkAt(dir, name);
        if (!current?.isDirectory()) mkdirAt(dir, name, entry.mode ?? 0o755);
        setAttributesAt(dir, name, { mode: entry.mode ?? 0o755, ...owner });
        return;
    }
  });
}

function hostPathOf(local: string, root: string): string {
  return root === '/' ? local : '/' + path.relative(root, local);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function safe<T>(fn: () => T, report: { errors: string[] }, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    report.errors.push(messageOf(error));
    return fallback;
  }
}
