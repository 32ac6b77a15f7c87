// The seal of a file found in sync (Provider.seal): a run that finds a managed
// file with the same inode, size and change time as when its bytes last matched
// the same spec does not read the bytes again. What a user relies on: every
// change to the file is still found, the ones that keep its size and mtime too.
import { describe, expect, it, vi } from 'vitest';
import { chmodSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { entry, runOnce } from '../helpers/engine.js';
import type * as SafeOps from '../../src/platform/safe-ops.js';

// Count the files whose bytes the providers read (the real function runs); `afterRename` plays another writer.
const reads = vi.hoisted(() => ({ names: [] as string[], afterRename: null as null | ((to: string) => void) }));
vi.mock('../../src/platform/safe-ops.js', async (importOriginal) => {
  const real = await importOriginal<typeof SafeOps>();
  return {
    ...real,
    readFileAt: (...args: Parameters<typeof real.readFileAt>) => {
      reads.names.push(args[1]);
      return real.readFileAt(...args);
    },
    renameAt: (...args: Parameters<typeof real.renameAt>) => {
      real.renameAt(...args);
      reads.afterRename?.(path.join(args[0].local, args[2]));
    },
  };
});

const host = 'os: linux\n';
const ROUND_TIME = 1_700_000_000; // seconds
const manifest = (content: string) => `resources:\n  - file: /etc/app.conf\n    content: "${content}\\n"\n    mode: "0640"\n`;

/** The seal the inventory keeps for the file, if any. */
function sealIn(root: string): string | undefined {
  const inventory = JSON.parse(readFileSync(path.join(root, 'var/lib/converge/inventory/h.json'), 'utf8')) as { resources: Record<string, { seal?: string }> };
  return inventory.resources['file:/etc/app.conf']?.seal;
}

/** A fleet with one file converged, then left alone long enough for it to be sealed by the next run. */
async function sealedFile(): Promise<{ fleet: ReturnType<typeof createFleet>; root: string; file: string }> {
  const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': manifest('one') });
  const root = tempDir();
  await runOnce(fleet.dir, 'h', root);
  const file = path.join(root, 'etc/app.conf');
  utimesSync(file, ROUND_TIME, ROUND_TIME); // an mtime utimes can give back exactly
  // just written: a change in the same clock tick would keep its ctime, so no seal yet
  await runOnce(fleet.dir, 'h', root);
  expect(sealIn(root)).toBeUndefined();
  await sleep(1100);
  await runOnce(fleet.dir, 'h', root);
  expect(sealIn(root)).toMatch(/^\d+:\d+:4:/);
  return { fleet, root, file };
}

describe('a file found in sync is sealed', () => {
  it('a no-op after that does not read its bytes, and reports it unchanged', async () => {
    const { fleet, root } = await sealedFile();
    reads.names = [];
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf').status).toBe('unchanged');
    expect(reads.names).not.toContain('app.conf');
  });

  it('a hand edit that keeps the size and the mtime is found as drift and healed', async () => {
    const { fleet, root, file } = await sealedFile();
    const before = statSync(file, { bigint: true });
    writeFileSync(file, 'two\n'); // same size
    utimesSync(file, ROUND_TIME, ROUND_TIME); // and the same mtime: only ctime tells
    const after = statSync(file, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf')).toMatchObject({ status: 'changed', drift: true });
    expect(readFileSync(file, 'utf8')).toBe('one\n');
  });

  it('a file renamed into its place with the same size and times is found as drift', async () => {
    const { fleet, root, file } = await sealedFile();
    const other = path.join(root, 'etc/.app.conf.new');
    writeFileSync(other, 'six\n', { mode: 0o640 });
    utimesSync(other, ROUND_TIME, ROUND_TIME);
    renameSync(other, file);
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf')).toMatchObject({ status: 'changed', drift: true });
    expect(readFileSync(file, 'utf8')).toBe('one\n');
  });

  it('a new content in the manifest is written though the file did not change', async () => {
    const { fleet, root, file } = await sealedFile();
    fleet.commit({ 'hosts/h/a.yml': manifest('ten') });
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf')).toMatchObject({ status: 'changed', changes: [expect.objectContaining({ property: 'content' })] });
    expect(entry(report, 'file:/etc/app.conf').drift).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('ten\n');
  });

  it('a mode changed by hand is still found: the seal stands only for the bytes', async () => {
    const { fleet, root, file } = await sealedFile();
    chmodSync(file, 0o666);
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf')).toMatchObject({ status: 'changed', drift: true, changes: [{ property: 'mode', from: '0666', to: '0640' }] });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});

describe('a file converge has just written', () => {
  it('is not read back to be verified, and the next run reads it once', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': manifest('one') });
    const root = tempDir();
    reads.names = [];
    const first = await runOnce(fleet.dir, 'h', root);
    expect(entry(first, 'file:/etc/app.conf').status).toBe('changed');
    expect(reads.names).not.toContain('app.conf');
    expect(readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('one\n');
    const second = await runOnce(fleet.dir, 'h', root);
    expect(entry(second, 'file:/etc/app.conf').status).toBe('unchanged');
    expect(reads.names).toContain('app.conf');
  });

  it.each([
    ['other bytes of another size', 'one\nand more\n', 0],
    ['other bytes of the same size, a few ms later', 'two\n', 20],
  ])('is still verified: %s written between the rename and the check fail the resource', async (_what, other, waitMs) => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': manifest('one') });
    const root = tempDir();
    reads.afterRename = (to) => {
      if (!to.endsWith('/etc/app.conf')) return;
      for (const until = Date.now() + waitMs; Date.now() < until; ); // the clock moves on past converge's write
      writeFileSync(to, other);
    };
    try {
      const report = await runOnce(fleet.dir, 'h', root);
      expect(entry(report, 'file:/etc/app.conf')).toMatchObject({ status: 'failed', error: expect.stringMatching(/still differs after apply: content/) });
    } finally {
      reads.afterRename = null;
    }
    // and the next run puts it right
    expect(entry(await runOnce(fleet.dir, 'h', root), 'file:/etc/app.conf')).toMatchObject({ status: 'changed' });
    expect(readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('one\n');
  });
});
