// Every temp file is on disk before it is renamed into place (DESIGN.md §4),
// and a first converge gets there with a few syncfs calls instead of an fsync
// per file (platform/durable-writes.ts). strace -f records the real system calls
// of the converge process and of the `sync -f` it starts: for each temp file,
// its last write and its rename, and the syncs in between. Before batching, a
// first converge of 300 files made 300 fsyncs of temp files and no syncfs.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { CONVERGE_BIN } from '../helpers/cli.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { MIN_SYNCFS_BATCH } from '../../src/platform/durable-writes.js';

const HAS_STRACE = runs('strace', ['-V']);
const IS_ROOT = process.getuid?.() === 0;
const FILES = 300;
// ext2/3/4, xfs, btrfs: where syncfs flushes as fsync does (and where converge batches)
const JOURNALED = new Set([0xef53, 0x58465342, 0x9123683e]);

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder on a disk filesystem converge batches on: the OS temp dir, or /var/tmp where /tmp is a tmpfs. */
function diskTempDir(): string {
  const base = [os.tmpdir(), '/var/tmp'].find((d) => JOURNALED.has(Number(statfsSync(d).type)));
  if (!base) throw new Error(`neither ${os.tmpdir()} nor /var/tmp is on ext4, xfs or btrfs`);
  const dir = mkdtempSync(path.join(base, 'converge-durable-'));
  cleanup.push(dir);
  return dir;
}

function manifest(version: string): Record<string, string> {
  const lines = ['resources:', '  - directory: /d'];
  for (let i = 0; i < FILES; i++) lines.push(`  - file: /d/f${String(i).padStart(3, '0')}`, `    content: "file ${i} ${version}\\n"`);
  return { 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/files.yml': lines.join('\n') + '\n' };
}

interface Call {
  pid: number;
  name: string;
  args: string;
  ret: string;
  start: number;
  end: number;
}

/** strace -f -ttt -T output as calls, an interrupted one joined with its resumption. */
function parseStrace(text: string): Call[] {
  const calls: Call[] = [];
  const open = new Map<string, { start: number; args: string }>();
  for (const line of text.split('\n')) {
    let m = /^(\d+) +([\d.]+) <\.\.\. (\w+) resumed>(.*)\) += (.*?) <([\d.]+)>$/.exec(line);
    if (m) {
      const [, pid, , name, rest, ret, dur] = m;
      const begun = open.get(`${pid}:${name}`);
      if (!begun) continue;
      open.delete(`${pid}:${name}`);
      calls.push({ pid: Number(pid), name: name!, args: begun.args + rest, ret: ret!, start: begun.start, end: begun.start + Number(dur) });
      continue;
    }
    m = /^(\d+) +([\d.]+) (\w+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (m) {
      open.set(`${m[1]}:${m[3]}`, { start: Number(m[2]), args: m[4]! });
      continue;
    }
    m = /^(\d+) +([\d.]+) (\w+)\((.*)\) += (.*?) <([\d.]+)>$/.exec(line);
    if (m) calls.push({ pid: Number(m[1]), name: m[3]!, args: m[4]!, ret: m[5]!, start: Number(m[2]), end: Number(m[2]) + Number(m[6]) });
  }
  return calls.sort((a, b) => a.start - b.start);
}

interface TempFile {
  lastChange: number;
  fsyncs: { start: number; end: number }[];
  renamed?: number;
}

/** Each temp file of a managed file (by name) with its last write/fchmod/fchown, its own fsyncs and its rename; and the syncfs calls made. */
function tempFiles(calls: Call[]) {
  const temps = new Map<string, TempFile>();
  const byFd = new Map<string, string>();
  const syncfs: { start: number; end: number }[] = [];
  let syncRuns = 0;
  for (const c of calls) {
    const fd = /^(\d+)/.exec(c.args)?.[1];
    const temp = /"[^"]*\/(\.f\d{3}\.converge-[0-9a-f]{8})"/.exec(c.args)?.[1]; // a managed file's (not the state directory's)
    if (c.name === 'openat' && temp && /O_CREAT/.test(c.args) && /^\d+$/.test(c.ret)) {
      temps.set(temp, { lastChange: c.end, fsyncs: [] });
      byFd.set(c.ret, temp);
    } else if (c.name === 'close' && fd) {
      byFd.delete(fd);
    } else if ((c.name === 'write' || c.name === 'fchmod' || c.name === 'fchown') && fd && byFd.has(fd)) {
      temps.get(byFd.get(fd)!)!.lastChange = c.end;
    } else if (c.name === 'fsync' && fd && byFd.has(fd) && c.ret === '0') {
      temps.get(byFd.get(fd)!)!.fsyncs.push(c);
    } else if (c.name === 'syncfs' && c.ret === '0') {
      syncfs.push(c);
    } else if (c.name === 'rename' && c.ret === '0' && temp && temps.has(temp)) {
      temps.get(temp)!.renamed = c.start;
    } else if (c.name === 'execve' && c.ret === '0' && /"-f", "\/proc\/self\/fd\/3"/.test(c.args)) {
      syncRuns++;
    }
  }
  return { temps, syncfs, syncRuns };
}

/** Temp files renamed with no completed sync between their last change and the rename. */
function renamedBeforeSynced(t: ReturnType<typeof tempFiles>): string[] {
  const late: string[] = [];
  for (const [name, temp] of t.temps) {
    if (temp.renamed === undefined) continue;
    const between = (s: { start: number; end: number }) => s.start >= temp.lastChange && s.end <= temp.renamed!;
    if (!temp.fsyncs.some(between) && !t.syncfs.some(between)) late.push(name);
  }
  return late;
}

/** `converge apply` under strace -f; with `setup`, in a mount namespace of its own after that shell command. Returns the calls. */
function tracedApply(repo: string, root: string, state: string, setup = ''): Call[] {
  const log = path.join(path.dirname(state), `strace-${Date.now()}.txt`);
  const command = [
    'strace', '-f', '-ttt', '-T', '-o', log, '-e', 'trace=openat,write,fchmod,fchown,close,fsync,syncfs,rename,execve',
    process.execPath, CONVERGE_BIN, 'apply', '--repo', repo, '--host', 'h', '--root', root, '--state-dir', state,
  ].map((a) => `'${a}'`).join(' ');
  const script = setup ? `${setup} && exec ${command}` : `exec ${command}`;
  const r = spawnSync(setup ? 'unshare' : 'sh', setup ? ['-m', 'sh', '-c', script] : ['-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return parseStrace(readFileSync(log, 'utf8'));
}

function expectTree(root: string, version: string): void {
  const names = readdirSync(path.join(root, 'd')).sort();
  expect(names).toHaveLength(FILES);
  expect(names.filter((n) => n.includes('.converge-'))).toEqual([]);
  for (const i of [0, 137, FILES - 1]) expect(readFileSync(path.join(root, 'd', `f${String(i).padStart(3, '0')}`), 'utf8')).toBe(`file ${i} ${version}\n`);
}

describeWith(HAS_STRACE)('temp files on disk before their rename', () => {
  beforeAll(() => requireComponent(HAS_STRACE, 'strace', 'apt-get install strace'));

  it('a first converge of 300 files syncs them in a few syncfs calls, every file before its rename; one changed file is fsynced alone', () => {
    const fleet = createFleet(manifest('v1'));
    const base = diskTempDir();
    const root = path.join(base, 'root');
    const first = tempFiles(tracedApply(fleet.dir, root, path.join(base, 'state')));
    expect(first.temps.size).toBe(FILES);
    expect([...first.temps.values()].filter((t) => t.renamed === undefined)).toEqual([]);
    expect(renamedBeforeSynced(first)).toEqual([]);
    expect(first.syncfs.length).toBeGreaterThanOrEqual(1);
    expect(first.syncfs.length).toBeLessThanOrEqual(FILES / MIN_SYNCFS_BATCH);
    // What comes after the last batch has left (a tail smaller than a batch worth a syncfs) is fsynced file by file.
    expect([...first.temps.values()].filter((t) => t.fsyncs.length > 0).length).toBeLessThan(MIN_SYNCFS_BATCH);
    expectTree(root, 'v1');

    // A heal-sized change: one file, its own fsync, no sync of the whole filesystem.
    const lines = manifest('v1');
    lines['hosts/h/files.yml'] = lines['hosts/h/files.yml']!.replace('"file 137 v1\\n"', '"file 137 v2\\n"');
    fleet.commit(lines);
    const second = tempFiles(tracedApply(fleet.dir, root, path.join(base, 'state')));
    expect(second.temps.size).toBe(1);
    expect(renamedBeforeSynced(second)).toEqual([]);
    expect([...second.temps.values()][0]!.fsyncs).toHaveLength(1);
    expect(second.syncRuns).toBe(0);
    expect(readFileSync(path.join(root, 'd/f137'), 'utf8')).toBe('file 137 v2\n');
  });

  describeWith(IS_ROOT && runs('unshare', ['--version']))('where syncfs is not used', () => {
    beforeAll(() => requireComponent(IS_ROOT && runs('unshare', ['--version']), 'root and unshare', 'run the tests as root with util-linux'));

    it('a sync -f that fails: each file is fsynced before its rename, and the run converges', () => {
      const fleet = createFleet(manifest('v1'));
      const base = diskTempDir();
      const root = path.join(base, 'root');
      // In a mount namespace of its own, /usr/bin/sync is /bin/false: it fails as an old coreutils without -f would.
      const run = tempFiles(tracedApply(fleet.dir, root, path.join(base, 'state'), 'mount --bind /bin/false /usr/bin/sync'));
      expect(run.syncRuns).toBeGreaterThanOrEqual(1);
      expect(run.syncfs).toHaveLength(0);
      expect(renamedBeforeSynced(run)).toEqual([]);
      expect([...run.temps.values()].filter((t) => t.fsyncs.length === 0)).toHaveLength(0);
      expectTree(root, 'v1');
    });

    it('on a tmpfs (whose syncfs is not known to flush like fsync) each file is fsynced, none by syncfs', () => {
      const fleet = createFleet(manifest('v1'));
      const base = diskTempDir();
      const root = path.join(base, 'root');
      const run = tempFiles(tracedApply(fleet.dir, root, path.join(base, 'state'), `mkdir -p '${root}' && mount -t tmpfs none '${root}'`));
      expect(run.syncRuns).toBe(0);
      expect(renamedBeforeSynced(run)).toEqual([]);
      expect([...run.temps.values()].filter((t) => t.fsyncs.length === 0)).toHaveLength(0);
    });
  });
});

describe('batches within the descriptors allowed', () => {
  it('in a process allowed 700 descriptors, 600 files in 600 folders converge: the batches shrink to fit', () => {
    // 512 cached folders and up to 512 resources in flight with their temp files open: unbounded, this run peaked at 812
    // descriptors (EMFILE here); bounded, at 32 in flight.
    const lines = ['resources:'];
    for (let i = 0; i < 600; i++) lines.push(`  - file: /d${i}/f`, `    content: "file ${i}\\n"`);
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/files.yml': lines.join('\n') + '\n' });
    const base = diskTempDir();
    const root = path.join(base, 'root');
    const script = `ulimit -n 700 && exec '${process.execPath}' '${CONVERGE_BIN}' apply --repo '${fleet.dir}' --host h --root '${root}' --state-dir '${path.join(base, 'state')}'`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
    expect(r.stdout + r.stderr).not.toMatch(/EMFILE|too many open files/i);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('changed   file:'))).toHaveLength(600);
    for (const i of [0, 299, 599]) expect(readFileSync(path.join(root, `d${i}/f`), 'utf8')).toBe(`file ${i}\n`);
  });
});
