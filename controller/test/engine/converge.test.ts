// The engine on the real filesystem under a temp root: what a user of
// `converge apply` relies on.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { entry, runOnce } from '../helpers/engine.js';
import { readBackups } from '../../src/engine/backups.js';

const host = 'os: linux\nprune: true\n';

describe('files', () => {
  it('writes atomically: no temp file is left, mode is set, a second run changes nothing', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - file: /etc/app/a.conf\n    content: "one\\n"\n    mode: "0600"\n' });
    const root = tempDir();
    const first = await runOnce(fleet.dir, 'h', root);
    expect(entry(first, 'file:/etc/app/a.conf').status).toBe('changed');
    expect(readdirSync(path.join(root, 'etc/app'))).toEqual(['a.conf']);
    expect(lstatSync(path.join(root, 'etc/app/a.conf')).mode & 0o777).toBe(0o600);
    const second = await runOnce(fleet.dir, 'h', root);
    expect(second.summary).toMatchObject({ changed: 0, unchanged: 1, failed: 0 });
    expect(second.result).toBe('converged');
  });

  it('replaces a symlink at a managed path and never writes through it', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - file: /etc/app.conf\n    content: "managed\\n"\n' });
    const root = tempDir();
    const outside = path.join(tempDir(), 'precious.txt');
    writeFileSync(outside, 'do not touch\n');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    symlinkSync(outside, path.join(root, 'etc/app.conf'));
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/app.conf').changes?.[0]).toMatchObject({ property: 'type', from: 'symlink', to: 'file' });
    expect(readFileSync(outside, 'utf8')).toBe('do not touch\n');
    expect(lstatSync(path.join(root, 'etc/app.conf')).isFile()).toBe(true);
    expect(readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('managed\n');
  });

  it('keeps the previous content as a backup in the state directory', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - file: /etc/motd\n    content: "new\\n"\n' });
    const root = tempDir();
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc/motd'), 'old hand-written motd\n', { mode: 0o640 });
    await runOnce(fleet.dir, 'h', root);
    const backupsDir = path.join(root, 'var/lib/converge/backups');
    const [run] = readdirSync(backupsDir);
    const entries = await readBackups(path.join(backupsDir, run!));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ local: path.join(root, 'etc/motd'), kind: 'file', mode: 0o640 });
    expect(readFileSync(path.join(backupsDir, run!, entries[0]!.blob!), 'utf8')).toBe('old hand-written motd\n');
  });

  it('resolves an absolute link in the sandbox inside the sandbox root, never outside it (as a chroot does)', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - file: /etc/escape/x.conf\n    content: "x\\n"\n' });
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(root, 'etc'));
    symlinkSync(outside, path.join(root, 'etc/escape'));
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/escape/x.conf')).toMatchObject({ status: 'changed' });
    expect(readFileSync(path.join(root, outside, 'x.conf'), 'utf8')).toBe('x\n');
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('failures', () => {
  it('fail only the resource and skip its dependents, with the reason', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': host,
      'hosts/h/a.yml': [
        'resources:',
        '  - file: /srv/blocked/app.conf', // its parent is a file: cannot be created
        '    content: "x\\n"',
        '  - symlink: /srv/app.conf',
        '    target: /srv/blocked/app.conf',
        '    requires: [file:/srv/blocked/app.conf]',
        '  - file: /srv/other.conf',
        '    content: "fine\\n"',
        '',
      ].join('\n'),
    });
    const root = tempDir();
    mkdirSync(path.join(root, 'srv'));
    writeFileSync(path.join(root, 'srv/blocked'), 'I am a file, not a directory');
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/srv/blocked/app.conf').status).toBe('failed');
    expect(entry(report, 'file:/srv/blocked/app.conf').error).toBe('cannot create app.conf: /srv/blocked is not a directory');
    expect(entry(report, 'symlink:/srv/app.conf')).toMatchObject({ status: 'skipped', error: 'requires file:/srv/blocked/app.conf, which did not converge' });
    expect(entry(report, 'file:/srv/other.conf').status).toBe('changed');
    expect(report.result).toBe('failed');
    expect(existsSync(path.join(root, 'srv/app.conf'))).toBe(false);
  });
});

describe('prune', () => {
  it('removes what converge created and leaves what it adopted, reporting it', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': host,
      'hosts/h/a.yml': 'resources:\n  - file: /etc/created.conf\n    content: "c\\n"\n  - file: /etc/adopted.conf\n    content: "a\\n"\n',
    });
    const root = tempDir();
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc/adopted.conf'), 'a\n');
    await runOnce(fleet.dir, 'h', root);
    fleet.commit({ 'hosts/h/a.yml': 'resources: []\n' });
    const plan = await runOnce(fleet.dir, 'h', root, 'plan');
    expect(entry(plan, 'file:/etc/created.conf')).toMatchObject({ status: 'pending' });
    expect(existsSync(path.join(root, 'etc/created.conf'))).toBe(true);
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/created.conf').status).toBe('pruned');
    expect(entry(report, 'file:/etc/adopted.conf')).toMatchObject({ status: 'unmanaged', error: 'no longer declared; left in place because it existed before converge managed it' });
    expect(existsSync(path.join(root, 'etc/created.conf'))).toBe(false);
    expect(readFileSync(path.join(root, 'etc/adopted.conf'), 'utf8')).toBe('a\n');
    const again = await runOnce(fleet.dir, 'h', root);
    expect(again.resources).toEqual([]);
  });

  it('with prune off, forgets removed resources and leaves them in place', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': 'resources:\n  - file: /etc/x.conf\n    content: "x\\n"\n' });
    const root = tempDir();
    await runOnce(fleet.dir, 'h', root);
    fleet.commit({ 'hosts/h/a.yml': 'resources: []\n' });
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/x.conf')).toMatchObject({ status: 'unmanaged', error: 'no longer declared; left in place (prune is off for this host)' });
    expect(existsSync(path.join(root, 'etc/x.conf'))).toBe(true);
  });
});

describe('drift', () => {
  it('tells a change by hand (drift) from a change of the manifest', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - file: /etc/a\n    content: "1\\n"\n  - file: /etc/b\n    content: "1\\n"\n' });
    const root = tempDir();
    await runOnce(fleet.dir, 'h', root);
    writeFileSync(path.join(root, 'etc/a'), 'edited by hand\n');
    fleet.commit({ 'hosts/h/a.yml': 'resources:\n  - file: /etc/a\n    content: "1\\n"\n  - file: /etc/b\n    content: "2\\n"\n' });
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'file:/etc/a')).toMatchObject({ status: 'changed', drift: true });
    expect(entry(report, 'file:/etc/b').drift).toBeUndefined();
    expect(report.summary).toMatchObject({ changed: 2, drifted: 1 });
    expect(report.result).toBe('drifted');
  });
});

describe('symlinks and directories', () => {
  it('creates links atomically, fixes a wrong target, removes with ensure: absent', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': 'os: macos\nvars: { user: mike }\n',
      'hosts/h/a.yml': 'resources:\n  - directory: ~/.mkt/flux\n  - symlink: ~/flux\n    target: ~/.mkt/flux\n',
    });
    const root = tempDir();
    const report = await runOnce(fleet.dir, 'h', root);
    expect(report.resources.map((r) => [r.id, r.status])).toEqual([
      ['directory:/Users/mike/.mkt/flux', 'changed'],
      ['symlink:/Users/mike/flux', 'changed'],
    ]);
    expect(readlinkSync(path.join(root, 'Users/mike/flux'))).toBe('/Users/mike/.mkt/flux');
    symlinkSync('/elsewhere', path.join(root, 'Users/mike/tmp-link'));
    const { renameSync } = await import('node:fs');
    renameSync(path.join(root, 'Users/mike/tmp-link'), path.join(root, 'Users/mike/flux'));
    const healed = await runOnce(fleet.dir, 'h', root);
    expect(entry(healed, 'symlink:/Users/mike/flux')).toMatchObject({ status: 'changed', drift: true, changes: [{ property: 'target', from: '/elsewhere', to: '/Users/mike/.mkt/flux' }] });
    fleet.commit({ 'hosts/h/a.yml': 'resources:\n  - directory: ~/.mkt/flux\n  - symlink: ~/flux\n    target: ~/.mkt/flux\n    ensure: absent\n' });
    const removed = await runOnce(fleet.dir, 'h', root);
    expect(entry(removed, 'symlink:/Users/mike/flux').status).toBe('changed');
    expect(existsSync(path.join(root, 'Users/mike/flux'))).toBe(false);
    expect(existsSync(path.join(root, 'Users/mike/.mkt/flux'))).toBe(true);
  });

  it('will not remove a non-empty directory without force', async () => {
    const fleet = createFleet({ 'hosts/h/host.yml': host, 'hosts/h/a.yml': 'resources:\n  - directory: /data\n    ensure: absent\n' });
    const root = tempDir();
    mkdirSync(path.join(root, 'data'));
    writeFileSync(path.join(root, 'data/keep.txt'), 'x');
    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'directory:/data')).toMatchObject({ status: 'failed', error: '/data is not empty; not removing it (set force: true to remove it with its contents)' });
    expect(existsSync(path.join(root, 'data/keep.txt'))).toBe(true);
  });
});

describe('something of another kind at a managed path', () => {
  it('is replaced only with force: true, and the plan says beforehand what apply will refuse', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': host,
      'hosts/h/a.yml': 'resources:\n  - directory: /data\n  - file: /etc/app\n    content: x\n  - file: /etc/forced\n    content: y\n    force: true\n',
    });
    const root = tempDir();
    mkdirSync(path.join(root, 'etc/app'), { recursive: true });
    mkdirSync(path.join(root, 'etc/forced/sub'), { recursive: true });
    writeFileSync(path.join(root, 'data'), 'a file where the directory goes');

    const plan = await runOnce(fleet.dir, 'h', root, 'plan');
    expect(entry(plan, 'directory:/data').changes).toContainEqual({ property: 'type', from: 'file', to: 'directory (apply refuses: set force: true to replace a file)' });
    expect(entry(plan, 'file:/etc/app').changes).toContainEqual({ property: 'type', from: 'directory', to: 'file (apply refuses: set force: true to replace a directory)' });
    expect(entry(plan, 'file:/etc/forced').changes).toContainEqual({ property: 'type', from: 'directory', to: 'file' });

    const report = await runOnce(fleet.dir, 'h', root);
    expect(entry(report, 'directory:/data')).toMatchObject({ status: 'failed', error: '/data is a file; refusing to replace it with a directory (set force: true to allow)' });
    expect(entry(report, 'file:/etc/app').status).toBe('failed');
    expect(entry(report, 'file:/etc/forced').status).toBe('changed');
    expect(readFileSync(path.join(root, 'data'), 'utf8')).toBe('a file where the directory goes');
    expect(readFileSync(path.join(root, 'etc/forced'), 'utf8')).toBe('y');
  });
});

describe('the status file', () => {
  it('is rewritten every run with a fresh time, and a new time alone is not a change', async () => {
    const fleet = createFleet({
      'hosts/h/host.yml': 'os: linux\nvars: { user: mike }\n',
      'hosts/h/a.yml': 'resources:\n  - file: /etc/x\n    content: "x\\n"\n  - statusFile: /space/devices/h/mike/_status.json\n    fields: { user: mike }\n',
    });
    const root = tempDir();
    const first = await runOnce(fleet.dir, 'h', root);
    expect(first.resources.at(-1)).toMatchObject({ id: 'statusFile:/space/devices/h/mike/_status.json', status: 'changed' });
    const file = path.join(root, 'space/devices/h/mike/_status.json');
    const before = JSON.parse(readFileSync(file, 'utf8'));
    expect(before).toMatchObject({ host: 'h', result: 'ok', user: 'mike', resources: { total: 1, failed: 0, skipped: 0 } });
    await new Promise((r) => setTimeout(r, 5));
    const second = await runOnce(fleet.dir, 'h', root);
    expect(second.summary.changed).toBe(0);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.time).not.toBe(before.time);
  });
});
