// scripts/bootstrap/linux.sh for real on this machine, with every path in a
// temp folder: the node runtime linked, an ed25519 deploy key made once, the
// agent built from a local fleet repository into a release and switched into
// place, the config written, the systemd unit installed (systemctl --root),
// a first converge attempted. Running it again reuses, upgrades, never
// duplicates. Also: shellcheck, --dry-run, a truncated download, the pinned
// Node.js checksum.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { git } from '../helpers/fleet.js';
import { fleetRemote } from '../helpers/fleet-remote.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts/bootstrap/linux.sh');
const isRoot = process.getuid?.() === 0;

function bash(args: string[], options: { timeoutMs?: number; script?: string } = {}) {
  return spawnSync('bash', [options.script ?? SCRIPT, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 600_000, env: { ...process.env, NO_COLOR: '1' } });
}

describeWith(runs('shellcheck', ['--version']))('shellcheck', () => {
  beforeAll(() => requireComponent(runs('shellcheck', ['--version']), 'shellcheck', 'apt-get install shellcheck'));
  it('finds nothing in the bootstrap scripts', () => {
    for (const f of ['linux.sh', 'macos.sh']) {
      const r = spawnSync('shellcheck', [path.join(PROJECT_ROOT, 'scripts/bootstrap', f)], { encoding: 'utf8' });
      expect(r.status, `${f}\n${r.stdout}`).toBe(0);
    }
  });
});

describe('linux.sh without touching anything', () => {
  it('prints every step with --dry-run', () => {
    const r = bash(['--host', 'motoko', '--repo', 'ssh://git@github.com/miket/fleet.git', '--allow-unsigned', '--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would read the Node\.js pin for linux-(x64|arm64) from controller\/runtime\.json of ssh:\/\/git@github\.com\/miket\/fleet\.git, download that node-linux-\S+ package tarball, check its SHA-256/);
    expect(r.stdout).toContain("would run: ssh-keygen -q -t ed25519 -N '' -C converge@motoko -f /etc/converge/deploy_key");
    expect(r.stdout).toContain('would wait (up to 1800 s) until: git ls-remote ssh://git@github.com/miket/fleet.git refs/heads/main');
    expect(r.stdout).toContain("    | host: 'motoko'");
    expect(r.stdout).toContain('install-service --config /etc/converge/config.yml');
  });

  it('a truncated download runs nothing', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const half = path.join(tempDir(), 'half.sh');
    writeFileSync(half, text.slice(0, Math.floor(text.length / 2)));
    const r = bash(['--host', 'x', '--repo', 'y', '--allow-unsigned', '--dry-run'], { script: half });
    expect(r.stdout).toBe('');
    expect(r.status).not.toBe(0);
  });

  it('refuses a Node.js archive whose SHA256 is not the pinned one', () => {
    const dir = tempDir();
    const archive = path.join(dir, 'node.tgz');
    writeFileSync(archive, 'not node');
    const { remote } = fleetRemote(dir);
    const r = bash(['--host', 'lab', '--repo', `file://${remote}`, '--allow-unsigned', '--node-archive', archive, '--prefix', path.join(dir, 'opt'), '--config-dir', path.join(dir, 'etc'), '--wait', '5']);
    if (!isRoot) return; // the script wants root before it touches anything
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has SHA256 [0-9a-f]{64}, not the pinned/);
    expect(existsSync(path.join(dir, 'opt/runtime'))).toBe(false);
  });
});

describeWith(isRoot)('linux.sh for real (paths in a temp folder)', () => {
  beforeAll(() => requireComponent(isRoot, 'root', 'the bootstrap script runs as root'));

  it('installs, then upgrades in place on a new commit, never duplicating', { timeout: 600_000 }, () => {
    const dir = tempDir();
    const { remote, work } = fleetRemote(dir);
    const p = (x: string) => path.join(dir, x);
    const args = ['--host', 'lab', '--repo', `file://${remote}`, '--allow-unsigned', '--node', process.execPath, '--prefix', p('opt'), '--config-dir', p('etc'), '--state-dir', p('state'), '--root', p('root'), '--service-root', p('svc'), '--wait', '5'];

    const first = bash(args);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(readlinkSync(p('opt/runtime/bin/node'))).toBe(path.resolve(process.execPath));
    expect(statSync(p('etc/deploy_key')).mode & 0o777).toBe(0o600);
    const pub = readFileSync(p('etc/deploy_key.pub'), 'utf8').trim();
    expect(pub).toMatch(/^ssh-ed25519 \S+ converge@lab$/);
    expect(first.stdout).toContain(pub);
    expect(first.stdout).toMatch(/fingerprint: 256 SHA256:\S+ converge@lab \(ED25519\)/);
    const release = readlinkSync(p('opt/agent'));
    expect(release).toMatch(/^releases\/[0-9a-f]{12}$/);
    expect(existsSync(p('opt/agent/controller/dist/main.js'))).toBe(true);
    // The release is the bundle and what it was built from, no node_modules (the bundle holds the dependencies).
    expect(existsSync(p('opt/agent/node_modules'))).toBe(false);
    expect(existsSync(p('opt/agent/controller/src'))).toBe(false);
    const info = JSON.parse(readFileSync(p('opt/agent/release.json'), 'utf8')) as { id: string; commit: string; runtime: string; prefix: string };
    expect(`releases/${info.id}`).toBe(release);
    expect(info).toMatchObject({ commit: git(work, 'rev-parse', 'HEAD').trim(), runtime: 'runtime-external', prefix: p('opt') });
    expect(readFileSync(p('etc/config.yml'), 'utf8')).toContain(`repo: 'file://${remote}'`);
    expect(readFileSync(p('etc/config.yml'), 'utf8')).toContain(`root: '${p('root')}'`);
    // The deploy key also signs the host's reports; bootstrap says how to declare it.
    expect(readFileSync(p('etc/config.yml'), 'utf8')).toContain(`signingKey: '${p('etc/deploy_key')}'`);
    expect(first.stdout).toContain('declare it in hosts/lab/host.yml as');
    expect(first.stdout).toMatch(/^ {2}agentKey: ssh-ed25519 \S+ converge@lab$/m);
    const unit = readFileSync(p('svc/etc/systemd/system/converge-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${p('opt/runtime/bin/node')} --max-semi-space-size=8 ${p('opt/agent/controller/bin/converge.js')} agent --config ${p('etc/config.yml')}`);
    expect(readlinkSync(p('svc/etc/systemd/system/multi-user.target.wants/converge-agent.service'))).toBe('/etc/systemd/system/converge-agent.service');
    expect(first.stdout).toContain('== 8/9 first converge (secrets-sync: env files from Key Vault)');
    // The installed agent is a working converge.
    const validate = spawnSync(p('opt/runtime/bin/node'), [p('opt/agent/controller/bin/converge.js'), 'validate', '--repo', work], { encoding: 'utf8' });
    expect(validate.status, validate.stderr).toBe(0);

    const again = bash(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('keeping the deploy key');
    expect(again.stdout).toMatch(/agent [0-9a-f]{12} already installed/);
    expect(readFileSync(p('etc/deploy_key.pub'), 'utf8').trim()).toBe(pub);

    // A commit that changes only hosts/ keeps the agent; one that changes its package makes a new release.
    writeFileSync(path.join(work, 'hosts/lab/more.yml'), 'resources: []\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'next');
    git(work, 'push', '-q', remote, 'main');
    const same = bash(args);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/agent [0-9a-f]{12} already installed/);
    expect(readlinkSync(p('opt/agent'))).toBe(release);
    const pkg = path.join(work, 'package.json');
    writeFileSync(pkg, readFileSync(pkg, 'utf8').replace(/"version": "[^"]*"/, '"version": "0.1.0-next"'));
    git(work, 'commit', '-qam', 'agent 0.1.0-next');
    git(work, 'push', '-q', remote, 'main');
    const upgrade = bash(args);
    expect(upgrade.status, upgrade.stderr).toBe(0);
    expect(readlinkSync(p('opt/agent'))).not.toBe(release);
    // The lockfile did not change: one dependency cache, reused.
    expect(readdirSync(p('opt/build')).filter((d) => /^[0-9a-f]{16}$/.test(d))).toHaveLength(1);
    expect(spawnSync(p('opt/runtime/bin/node'), [p('opt/agent/controller/bin/converge.js'), '--version'], { encoding: 'utf8' }).stdout.trim()).toBe('0.1.0-next');
    expect(readdirSync(p('opt/releases')).filter((d) => !d.startsWith('.'))).toHaveLength(2);
    expect(readdirSync(p('svc/etc/systemd/system')).filter((f) => f.endsWith('.service'))).toEqual(['converge-agent.service']);
  });
});
