// Cloud ingestion on the real filesystem: one way, .partial then rename,
// never listing the destination (on the SMB share), never following links,
// refusing loops; the Full Disk Access check as macOS would refuse (EACCES
// for another user here); the health signal after ingestion.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { converge, CONVERGE_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';

function layout() {
  const base = tempDir();
  const home = path.join(base, 'Users/mike');
  const source = path.join(home, 'Library/Mobile Documents/com~apple~CloudDocs');
  const mount = path.join(home, '.mkt/space');
  const destination = path.join(mount, 'devices/count-zero/mike/icloud');
  const stateDir = path.join(home, 'Library/Application Support/converge/ingest');
  mkdirSync(source, { recursive: true });
  mkdirSync(destination, { recursive: true });
  return { base, home, source, mount, destination, stateDir };
}

const ingestArgs = (l: ReturnType<typeof layout>, extra: string[] = []) => ['ingest', '--name', 'icloud', '--from', l.source, '--to', l.destination, '--state-dir', l.stateDir, ...extra];
const report = (l: ReturnType<typeof layout>) => JSON.parse(readFileSync(path.join(l.stateDir, 'icloud.json'), 'utf8')) as Record<string, unknown>;

describe('cloud ingestion', () => {
  it('copies new and changed files through .partial, keeps times, and never lists the destination', () => {
    const l = layout();
    mkdirSync(path.join(l.source, 'Photos/2026'), { recursive: true });
    writeFileSync(path.join(l.source, 'notes.txt'), 'hello\n');
    writeFileSync(path.join(l.source, 'Photos/2026/a.jpg'), Buffer.alloc(70_000, 7));
    utimesSync(path.join(l.source, 'notes.txt'), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));

    const first = converge(ingestArgs(l));
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('ingest icloud: ok, 2 copied, 0 unchanged, 0 failed');
    expect(readFileSync(path.join(l.destination, 'notes.txt'), 'utf8')).toBe('hello\n');
    expect(statSync(path.join(l.destination, 'notes.txt')).mtime.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(readdirSync(path.join(l.destination, 'Photos/2026'))).toEqual(['a.jpg']); // no .partial left

    // Someone removes a copy from /space by hand: the next run does not bring it back, because it never lists the share.
    rmSync(path.join(l.destination, 'notes.txt'));
    expect(converge(ingestArgs(l)).stdout).toContain('0 copied, 2 unchanged');
    expect(existsSync(path.join(l.destination, 'notes.txt'))).toBe(false);

    writeFileSync(path.join(l.source, 'notes.txt'), 'hello again\n');
    expect(converge(ingestArgs(l)).stdout).toContain('1 copied, 1 unchanged');
    expect(readFileSync(path.join(l.destination, 'notes.txt'), 'utf8')).toBe('hello again\n');
  });

  it('skips links (no loop through a link back into /space), its own .partial files and iCloud placeholders', () => {
    const l = layout();
    writeFileSync(path.join(l.source, 'real.txt'), 'x');
    symlinkSync(l.mount, path.join(l.source, 'space-link'));
    writeFileSync(path.join(l.source, 'half.txt.partial'), 'x');
    writeFileSync(path.join(l.source, '.big.mov.icloud'), 'placeholder');
    writeFileSync(path.join(l.source, '.DS_Store'), 'x');
    const r = converge(ingestArgs(l));
    expect(r.stdout).toContain('1 copied');
    expect(readdirSync(l.destination)).toEqual(['real.txt']);
  });

  it('refuses loops: destination inside the source, source on the SMB mount', () => {
    const l = layout();
    const inside = converge(['ingest', '--name', 'x', '--from', l.home, '--to', path.join(l.home, 'Library/copy'), '--state-dir', l.stateDir]);
    expect(inside.exitCode).toBe(1);
    expect(inside.stderr).toContain('lies inside the source');
    const onMount = converge(['ingest', '--name', 'x', '--from', path.join(l.mount, 'devices'), '--to', l.destination, '--mount', l.mount, '--state-dir', l.stateDir]);
    expect(onMount.stderr).toMatch(/lies inside the source|is on the SMB mount/);
  });

  it('copies nothing while the SMB share is not mounted, and says so', () => {
    const l = layout();
    writeFileSync(path.join(l.source, 'a.txt'), 'x');
    const r = converge(ingestArgs(l, ['--mount', l.mount]));
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('is not mounted: nothing copied');
    expect(readdirSync(l.destination)).toEqual([]);
    expect(report(l)).toMatchObject({ state: 'blocked', mounted: false, copied: 0 });
  });

  it('puts its report into _status.json after the run', () => {
    const l = layout();
    const status = path.join(l.mount, 'devices/count-zero/mike/_status.json');
    writeFileSync(status, JSON.stringify({ host: 'count-zero', result: 'ok' }));
    writeFileSync(path.join(l.source, 'a.txt'), 'x');
    expect(converge(ingestArgs(l, ['--status', status])).exitCode).toBe(0);
    const doc = JSON.parse(readFileSync(status, 'utf8')) as { host: string; ingestion: { icloud: { copied: number; fullDiskAccess: string } } };
    expect(doc.host).toBe('count-zero');
    expect(doc.ingestion.icloud).toMatchObject({ copied: 1, fullDiskAccess: 'granted' });
  });

  it('leaves a _status.json that is not a JSON object alone and says so; refuses a --max-files that is not a count', () => {
    const l = layout();
    const status = path.join(l.mount, 'devices/count-zero/mike/_status.json');
    writeFileSync(path.join(l.source, 'a.txt'), 'x');
    for (const content of ['not json', '[1, 2]', 'null']) {
      writeFileSync(status, content);
      const r = converge(ingestArgs(l, ['--status', status]));
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim()).toBe(`converge: ${status} is not a status file (a JSON object, as the statusFile resource writes it); left as it is, the report is in the state directory`);
      expect(readFileSync(status, 'utf8')).toBe(content);
    }
    for (const max of ['abc', '-1', '0', '1.5']) {
      const r = converge(ingestArgs(l, ['--max-files', max]));
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim()).toBe(`converge: --max-files takes a number of files, 1 or more (got '${max}')`);
    }
  });
});

const isRoot = process.getuid?.() === 0;

describeWith(isRoot && runs('unshare', ['--version']))('with real mounts and a refusing OS', () => {
  it('copies once the share is mounted (a tmpfs in a private mount namespace)', () => {
    requireComponent(isRoot && runs('unshare', ['--version']), 'root and unshare', 'run the tests as root with util-linux');
    const l = layout();
    writeFileSync(path.join(l.source, 'a.txt'), 'x');
    const args = ingestArgs(l, ['--mount', l.mount]).map((a) => `'${a}'`).join(' ');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs none '${l.mount}' && mkdir -p '${l.destination}' && '${process.execPath}' '${CONVERGE_BIN}' ${args} && ls '${l.destination}'`], { encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('1 copied');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('a.txt');
  });

  it('reports missing Full Disk Access when the OS refuses to read the cloud folder', () => {
    requireComponent(isRoot, 'root', 'run the tests as root (to run ingest as another user)');
    const l = layout();
    chmodSync(l.base, 0o755);
    for (const d of [l.home, path.dirname(l.stateDir), l.stateDir, path.join(l.home, '.mkt'), l.mount, path.dirname(l.destination), l.destination]) {
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o777);
    }
    chmodSync(path.join(l.home, 'Library'), 0o755);
    chmodSync(path.join(l.home, 'Library/Mobile Documents'), 0o755);
    chmodSync(l.source, 0o700); // as TCC does for iCloud Drive without Full Disk Access
    const r = spawnSync(process.execPath, [CONVERGE_BIN, ...ingestArgs(l)], { encoding: 'utf8', uid: 65534, gid: 65534, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toContain(`grant Full Disk Access to ${process.execPath}`);
    expect(report(l)).toMatchObject({ state: 'blocked', fullDiskAccess: 'missing' });
  });
});
