// The run's directory cache (platform/safe-path.ts): a run walks each folder
// once and keeps it open. What another process does to a cached folder while the
// run goes on (a command renaming or removing it) must not send writes astray.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { beginDirCache, chaseDir, closeDir, dropDirCache, endDirCache, recheckDirCache, safePathStrategy } from '../../src/platform/safe-path.js';
import { writeFileAtomicSync } from '../../src/platform/fs-atomic.js';

const linux = safePathStrategy() === 'proc';

afterEach(() => endDirCache());

function setup(): { root: string; app: string } {
  const root = tempDir();
  const app = path.join(root, 'etc/app');
  mkdirSync(app, { recursive: true });
  return { root, app };
}

describe.runIf(linux)('the directory cache of a run', () => {
  it('walks a folder once per run and releases it at the end', () => {
    const { root, app } = setup();
    beginDirCache();
    const first = chaseDir(root, app);
    closeDir(first);
    const again = chaseDir(root, app);
    expect(again.fd).toBe(first.fd);
    closeDir(again);
    endDirCache();
    expect(() => fstatSync(first.fd)).toThrow(/EBADF/);
    const outside = chaseDir(root, app); // no run: a fresh walk, closed by its caller
    closeDir(outside);
    expect(() => fstatSync(outside.fd)).toThrow(/EBADF/);
  });

  it('walks again when another process removed the folder before the next resource, and writes where the path now leads', () => {
    const { root, app } = setup();
    beginDirCache();
    writeFileAtomicSync(path.join(app, 'a.conf'), 'a\n', { mode: 0o644, root });
    execFileSync('sh', ['-c', `rm -r "$1" && mkdir "$1"`, 'sh', app]);
    recheckDirCache(); // the engine, as each resource starts
    writeFileAtomicSync(path.join(app, 'b.conf'), 'b\n', { mode: 0o644, root });
    expect(readdirSync(app)).toEqual(['b.conf']);
  });

  it('checks a cached folder once per resource: a removal within one resource fails its write, and nothing lands elsewhere', () => {
    const { root, app } = setup();
    beginDirCache();
    recheckDirCache();
    writeFileAtomicSync(path.join(app, 'a.conf'), 'a\n', { mode: 0o644, root });
    execFileSync('sh', ['-c', `rm -r "$1" && mkdir "$1"`, 'sh', app]);
    expect(() => writeFileAtomicSync(path.join(app, 'b.conf'), 'b\n', { mode: 0o644, root })).toThrow(/ENOENT/);
    expect(readdirSync(app)).toEqual([]);
    recheckDirCache();
    writeFileAtomicSync(path.join(app, 'b.conf'), 'b\n', { mode: 0o644, root });
    expect(readdirSync(app)).toEqual(['b.conf']);
  });

  it('after a command (dropDirCache), writes into the folder put in place of a moved one', () => {
    const { root, app } = setup();
    beginDirCache();
    writeFileAtomicSync(path.join(app, 'a.conf'), 'a\n', { mode: 0o644, root });
    execFileSync('sh', ['-c', `mv "$1" "$1.old" && mkdir "$1"`, 'sh', app]);
    dropDirCache(); // the engine, after any resource that is not a file, directory or link
    writeFileAtomicSync(path.join(app, 'b.conf'), 'b\n', { mode: 0o644, root });
    expect(readdirSync(app)).toEqual(['b.conf']);
    expect(readdirSync(`${app}.old`)).toEqual(['a.conf']);
  });

  it('keeps a folder in use open until its user releases it, even when the cache is dropped', () => {
    const { root, app } = setup();
    beginDirCache();
    const held = chaseDir(root, app);
    dropDirCache();
    endDirCache();
    expect(fstatSync(held.fd).isDirectory()).toBe(true); // not closed under its user (its number could be reused)
    closeDir(held);
    expect(() => fstatSync(held.fd)).toThrow(/EBADF/);
  });

  it('does not keep a folder inside one a local user can change (each use walks it again)', () => {
    const { root } = setup();
    const shared = path.join(root, 'tmp/shared');
    mkdirSync(path.join(shared, 'sub'), { recursive: true });
    execFileSync('chmod', ['0777', shared]); // anyone may rename sub away and put a link there
    beginDirCache();
    const first = chaseDir(root, path.join(shared, 'sub'));
    closeDir(first);
    expect(() => fstatSync(first.fd)).toThrow(/EBADF/);
    const parent = chaseDir(root, shared); // the 0777 folder itself sits in one only root can change: kept
    closeDir(parent);
    expect(fstatSync(parent.fd).isDirectory()).toBe(true);
    writeFileAtomicSync(path.join(shared, 'sub/x'), 'x\n', { mode: 0o644, root });
    expect(readFileSync(path.join(shared, 'sub/x'), 'utf8')).toBe('x\n');
  });
});
