// The README's main job: `converge demo` runs the whole loop on the example
// fleet (no root needed, no network) and shows it as status commits, the
// host's reports verified as its own.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { converge, PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('converge demo', () => {
  it('converges motoko, applies a merge, heals drift, rejects an unsigned commit, and shows the history', () => {
    const r = converge(['demo'], { timeoutMs: 90_000 });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const log = r.stdout.slice(r.stdout.indexOf("git log status"));
    const subjects = log.split('\n').filter((l) => /^[0-9a-f]{7} \d\d:\d\d:\d\d {2}motoko: /.test(l)).map((l) => l.slice(18));
    expect(subjects).toHaveLength(4);
    expect(subjects[0]).toMatch(/^motoko: rejected [0-9a-f]{7} \(unsigned\)$/);
    expect(subjects[1]).toBe('motoko: drift healed in file:/etc/netdata/netdata.conf');
    expect(subjects[2]).toMatch(/^motoko: applied [0-9a-f]{7} \(\d+ changed\)$/);
    expect(subjects[3]).toMatch(/^motoko: applied [0-9a-f]{7} \(\d+ changed\)$/);
    expect(r.stdout).toContain('/etc/netdata/netdata.conf is back as the repository says');
    // The host's reports are signed with its own key (agentKey: in its host.yml): verified.
    expect(r.stdout).toMatch(/^motoko +verified +\d+ s ago +[0-9a-f]{7} +1 +rejected +motoko: rejected/m);
    expect(r.stdout).toContain('1 host, all reports verified');
    expect(r.stdout).toMatch(/demo finished in \d+\.\d s/);
    // Nothing is left behind.
    const sandbox = /everything happens under (\S+)/.exec(r.stdout)![1]!;
    expect(sandbox.startsWith(os.tmpdir())).toBe(true);
    expect(existsSync(sandbox)).toBe(false);
  });

  it('never writes into the fleet it was given, where that fleet links its folders within itself', () => {
    // hosts/ and secrets-map.yml are links to a shared folder of the same repository (a monorepo's layout):
    // the demo follows them, as the agent does, and writes only into its own copy.
    const fleet = tempDir();
    const shared = path.join(fleet, 'shared');
    cpSync(path.join(PROJECT_ROOT, 'hosts'), path.join(shared, 'hosts'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'secrets-map.yml'), path.join(shared, 'secrets-map.yml'));
    symlinkSync('shared/hosts', path.join(fleet, 'hosts'));
    symlinkSync('shared/secrets-map.yml', path.join(fleet, 'secrets-map.yml'));
    const hostYml = path.join(shared, 'hosts/motoko/host.yml');
    const before = readFileSync(hostYml, 'utf8');
    const files = readdirSync(path.join(shared, 'hosts/motoko')).sort();

    const r = converge(['demo', '--repo', fleet], { timeoutMs: 90_000 });
    expect(readFileSync(hostYml, 'utf8')).toBe(before); // no agentKey: appended to the real file
    expect(readdirSync(path.join(shared, 'hosts/motoko')).sort()).toEqual(files); // no demo-motd.yml left there
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('1 host, all reports verified');
  });

  it('refuses a fleet whose hosts/ is a link out of it, as the agent would, and touches nothing there', () => {
    const outside = path.join(tempDir(), 'hosts');
    cpSync(path.join(PROJECT_ROOT, 'hosts'), outside, { recursive: true });
    const fleet = tempDir();
    symlinkSync(outside, path.join(fleet, 'hosts'));
    const before = readFileSync(path.join(outside, 'motoko/host.yml'), 'utf8');

    const r = converge(['demo', '--repo', fleet], { timeoutMs: 90_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`converge: hosts is a symbolic link that leads out of the fleet (to ${outside})`);
    expect(readFileSync(path.join(outside, 'motoko/host.yml'), 'utf8')).toBe(before);
    expect(r.stdout).not.toContain('the agent for motoko starts');
  });

  it('stops at the plan, with the fleet\'s own error at its line, when the fleet it was given does not validate', () => {
    const fleet = tempDir();
    mkdirSync(path.join(fleet, 'hosts/motoko'), { recursive: true });
    writeFileSync(path.join(fleet, 'hosts/motoko/host.yml'), 'os: linux\nbogus: 1\n');
    const r = converge(['demo', '--repo', fleet], { timeoutMs: 90_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("converge plan of this fleet failed");
    expect(r.stderr).toContain("hosts/motoko/host.yml:2:1: unknown field 'bogus' in host.yml");
    expect(r.stdout).toContain(`the fleet in ${fleet}`);
    expect(r.stdout).not.toContain('the agent for motoko starts'); // no agent run that could only fail the same way
    const sandbox = /everything happens under (\S+)/.exec(r.stdout)![1]!;
    expect(existsSync(sandbox)).toBe(false);
  });
});
