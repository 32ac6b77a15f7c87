// The drift watch on the real filesystem with the OS's own notifications: a
// change by hand is raised with its resource, whichever way an editor saves;
// a file another process still has open for writing is not raised until that
// writer is done; a directory removed and made again is watched again; the
// agent's own writes during a run are not drift.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { tempDir } from '../helpers/tmp.js';
import { DriftWatch } from '../../src/agent/drift-watch.js';
import { canSeeOpenWriters } from '../../src/platform/open-writers.js';

interface Harness {
  watch: DriftWatch;
  raised: { ids: string[]; at: number; content: string }[];
  logs: string[];
  /** Resolves at the next onDrift call. */
  next(): Promise<string[]>;
  until(what: string, test: () => boolean): Promise<void>;
}

const open: DriftWatch[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});

function harness(file: string): Harness {
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString()), done()) }));
  const raised: Harness['raised'] = [];
  let wake: ((ids: string[]) => void) | null = null;
  const watch = new DriftWatch(log, (ids) => {
    raised.push({ ids, at: Date.now(), content: safeRead(file) });
    wake?.(ids);
    wake = null;
  });
  open.push(watch);
  return {
    watch,
    raised,
    logs,
    next: () => new Promise((resolve) => (wake = resolve)),
    until: async (what, test) => {
      const deadline = Date.now() + 10_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '(absent)';
  }
}

function managed() {
  const root = tempDir();
  const dir = path.join(root, 'etc/app');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'app.conf');
  const other = path.join(dir, 'other.conf');
  writeFileSync(file, 'managed\n');
  writeFileSync(other, 'managed too\n');
  const targets = new Map([
    [dir, 'directory:/etc/app'],
    [file, 'file:/etc/app/app.conf'],
    [other, 'file:/etc/app/other.conf'],
  ]);
  return { root, dir, file, other, targets };
}

describe('drift watch', () => {
  it('raises an edit in place, an editor save renamed into place, a chmod and a removal, each with its resource', async () => {
    const { file, other, targets } = managed();
    const h = harness(file);
    await h.watch.watch(targets);

    let next = h.next();
    writeFileSync(file, 'by hand\n');
    expect(await next).toEqual(['file:/etc/app/app.conf']);

    next = h.next();
    writeFileSync(path.join(path.dirname(file), '.app.conf.swp'), 'saved by an editor\n');
    renameSync(path.join(path.dirname(file), '.app.conf.swp'), file);
    expect(await next).toEqual(['file:/etc/app/app.conf']);

    next = h.next();
    chmodSync(file, 0o600);
    expect(await next).toEqual(['file:/etc/app/app.conf']);

    next = h.next();
    rmSync(other);
    expect(await next).toEqual(['file:/etc/app/other.conf']);
    // Nothing was raised for the editor's temp file, and each change was raised once.
    expect(h.raised.map((r) => r.ids)).toEqual([['file:/etc/app/app.conf'], ['file:/etc/app/app.conf'], ['file:/etc/app/app.conf'], ['file:/etc/app/other.conf']]);
  });

  it.runIf(canSeeOpenWriters)('holds a file another process still has open for writing until that writer is done', async () => {
    const { file, targets } = managed();
    const h = harness(file);
    await h.watch.watch(targets);

    // `cat > app.conf` typing slowly, in another process: truncated and half written, still open.
    const writer = spawn('sh', ['-c', 'exec 3>"$0"; printf "first half, " >&3; echo started; read go; printf "second half\\n" >&3; exec 3>&-; echo done', file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await h.until('the writer to start', () => out.includes('started'));
    await h.until('the watch to hold the file', () => h.logs.some((l) => l.includes('another process has the file open for writing')));
    expect(h.raised).toEqual([]);
    const next = h.next();
    writer.stdin.end('go\n');
    expect(await next).toEqual(['file:/etc/app/app.conf']);
    // Raised only once the writer closed it, so what is judged is the whole edit.
    expect(h.raised.map((r) => r.content)).toEqual(['first half, second half\n']);
  });

  it('watches a directory again once it was removed and made again, and ignores the run that made it', async () => {
    const { dir, file, other, targets } = managed();
    const h = harness(file);
    await h.watch.watch(targets);

    const gone = h.next();
    rmSync(dir, { recursive: true });
    expect(new Set(await gone)).toEqual(new Set(['file:/etc/app/app.conf', 'file:/etc/app/other.conf', 'directory:/etc/app']));

    // The heal: a run that makes the directory and both files again.
    h.watch.beginRun();
    mkdirSync(dir);
    writeFileSync(file, 'managed\n');
    writeFileSync(other, 'managed too\n');
    await h.watch.endRun([dir, file, other]);
    await h.watch.watch(targets);

    const byHand = h.next();
    const before = h.raised.length;
    writeFileSync(other, 'by hand in the new directory\n');
    expect(await byHand).toEqual(['file:/etc/app/other.conf']);
    // The run's own writes were not raised: the only call since is the edit by hand.
    expect(h.raised.slice(before).map((r) => r.ids)).toEqual([['file:/etc/app/other.conf']]);
  });
});
