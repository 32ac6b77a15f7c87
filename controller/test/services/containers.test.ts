// Containers against real rootful podman (runc, a locally built busybox
// image) run by systemd inside the nspawn container: converge → it serves →
// stop it by hand → plan shows it → converge heals; a quiet run never
// recreates it; a spec change does.
import { expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeWith, IN_CI } from '../helpers/components.js';
import { tempDir } from '../helpers/tmp.js';
import { createFleet } from '../helpers/fleet.js';
import { buildBusyboxImage, nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';

const available = nspawnAvailable();
const PORT = 8210;

function containerYml(greeting: string, extra = ''): string {
  return [
    'resources:',
    '  - file: /etc/web/web.env',
    '    content: "FROM_FILE=from-env-file\\n"',
    '    mode: "0600"',
    '  - container: web',
    '    image: localhost/busybox:test',
    '    pull: never',
    '    network: host',
    '    init: true',
    '    envFiles: [/etc/web/web.env]',
    '    env:',
    `      GREETING: "${greeting}"`,
    '    command:',
    '      - sh',
    '      - -c',
    `      - 'mkdir -p /www && echo "$GREETING $FROM_FILE" > /www/index.html && exec httpd -f -p 127.0.0.1:${PORT} -h /www'`,
    extra,
  ].join('\n');
}

describeWith(available)('containers on real podman under systemd', () => {
  const machine = useTestMachine(available, {
    needs: 'systemd-nspawn + a debootstrapped rootfs with podman',
    setup: (m) => {
      buildBusyboxImage(m);
    },
  });

  const served = () => machine().exec(['busybox', 'wget', '-qO-', `http://127.0.0.1:${PORT}/`]).stdout.trim();
  const containerId = () => machine().exec(['podman', 'container', 'inspect', '--format', '{{.Id}}', 'web']).stdout.trim();

  it('runs a container from a generated unit, heals it, and recreates it only when its spec changes', () => {
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/web.yml': containerYml('hello') });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];

    const first = machine().converge(['apply', ...args]);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('changed   container:web');
    expect(served()).toBe('hello from-env-file');
    expect(machine().exec(['systemctl', 'is-enabled', 'container-web.service']).stdout.trim()).toBe('enabled');
    const unit = machine().sh('cat /etc/systemd/system/container-web.service');
    expect(unit).toContain('--sdnotify=conmon');
    expect(unit).toContain('RequiresMountsFor=%t/containers /etc/web/web.env');
    // systemd reads the quoted command back exactly
    expect(machine().exec(['systemd-analyze', 'verify', '/etc/systemd/system/container-web.service']).exitCode).toBe(0);

    // quiet: the same container keeps running, no podman container is replaced
    const id = containerId();
    const quiet = machine().converge(['apply', '--detailed-exitcode', ...args]);
    expect(quiet.exitCode, quiet.stdout + quiet.stderr).toBe(0);
    expect(containerId()).toBe(id);

    // by hand: stop its service
    machine().sh('systemctl stop container-web.service');
    const plan = machine().converge(['plan', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ container:web  (drift: changed by hand since the last converge)');
    expect(plan.stdout).toContain('state stopped → running');
    const heal = machine().converge(['apply', ...args]);
    expect(heal.exitCode, heal.stdout + heal.stderr).toBe(0);
    expect(heal.stdout).toContain('container:web (drift healed)');
    expect(served()).toBe('hello from-env-file');

    // a new spec: recreated with the new hash
    const before = containerId();
    fleet.commit({ 'hosts/box/web.yml': containerYml('hi') });
    const change = machine().converge(['apply', ...args]);
    expect(change.exitCode, change.stdout + change.stderr).toBe(0);
    expect(change.stdout).toMatch(/changed\s+container:web: content changed .*container spec \w+ → recreated with spec \w+/);
    expect(served()).toBe('hi from-env-file');
    expect(containerId()).not.toBe(before);

    const clean = machine().converge(['plan', ...args]);
    expect(clean.exitCode, clean.stdout).toBe(0);
  });

  it('restarts the container when its env file changes and notifies it', () => {
    const fleet = createFleet({
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/web.yml': containerYml('hi').replace('    mode: "0600"', '    mode: "0600"\n    notify: [container:web]'),
    });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    expect(machine().converge(['apply', ...args]).exitCode).toBe(0);
    fleet.commit({ 'hosts/box/web.yml': containerYml('hi').replace('from-env-file', 'rotated').replace('    mode: "0600"', '    mode: "0600"\n    notify: [container:web]') });
    const r = machine().converge(['apply', ...args]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('container:web: refreshed (notified by file:/etc/web/web.env)');
    expect(served()).toBe('hi rotated');
  });

  it('reads an env file by its secrets-map name and is restarted when a secret rotates', () => {
    const work = tempDir();
    const secrets = path.join(work, 'secrets.json');
    writeFileSync(secrets, JSON.stringify({ 'web-greeting': 'v1' }), { mode: 0o600 });
    const fleet = createFleet({
      'secrets-map.yml': 'envFiles:\n  web:\n    path: /etc/web/secret.env\n    vars:\n      FROM_FILE: web-greeting\n',
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/web.yml': containerYml('hi').replace('    envFiles: [/etc/web/web.env]', '    envFiles: [web]').replace('resources:', 'resources:\n  - envFile: web'),
    });
    const config = path.join(work, 'config.yml');
    writeFileSync(config, `host: box\nrepo: file://${machine().inside(fleet.dir)}\nsecrets:\n  file: ${machine().inside(secrets)}\n`);
    const args = ['--config', machine().inside(config), '--repo', machine().inside(fleet.dir)];
    const first = machine().converge(['apply', ...args]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(served()).toBe('hi v1');
    expect(machine().sh('cat /etc/systemd/system/container-web.service')).toContain('--env-file=/etc/web/secret.env');

    writeFileSync(secrets, JSON.stringify({ 'web-greeting': 'v2' }), { mode: 0o600 });
    const rotated = machine().converge(['apply', ...args]);
    expect(rotated.exitCode, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('container:web: refreshed (notified by envFile:web)');
    expect(rotated.stdout).not.toContain('v2');
    expect(served()).toBe('hi v2');
  });

  it('fails clearly when the image is missing and pull is never, and removes a container with ensure: absent', () => {
    const fleet = createFleet({
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/web.yml': containerYml('hi').replace('localhost/busybox:test', 'localhost/nothing:here'),
    });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    const r = machine().converge(['apply', ...args]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('image localhost/nothing:here is not in local storage and pull is never');

    fleet.commit({ 'hosts/box/web.yml': 'resources:\n  - container: web\n    ensure: absent\n    image: localhost/busybox:test\n' });
    const gone = machine().converge(['apply', ...args]);
    expect(gone.exitCode, gone.stdout + gone.stderr).toBe(0);
    expect(machine().exec(['test', '-e', '/etc/systemd/system/container-web.service']).exitCode).toBe(1);
    expect(machine().exec(['podman', 'container', 'exists', 'web']).exitCode).toBe(1);
    expect(machine().converge(['plan', ...args]).exitCode).toBe(0);
  });

  it('rolls back a container and units when a new commit breaks a check that passed', () => {
    const site = (port: number, workerEnv: string, extra: string) => ({
      'hosts/site/host.yml': 'os: linux\nchecks:\n  - http: http://127.0.0.1:8211/\n    within: 2s\n  - unit: worker.service\n',
      'hosts/site/site.yml': [
        'resources:',
        '  - container: site',
        '    image: localhost/busybox:test',
        '    pull: never',
        '    network: host',
        '    init: true',
        `    command: [sh, -c, 'mkdir -p /www && echo up > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www']`,
        '  - unit: worker.service',
        '    enabled: true',
        '    running: true',
        `    content: "[Service]\\nExecStart=/bin/sleep infinity\\nEnvironment=${workerEnv}\\n[Install]\\nWantedBy=multi-user.target\\n"`,
        extra,
        '',
      ].join('\n'),
    });
    const fleet = createFleet(site(8211, 'V=1', ''));
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'site'];
    const good = machine().converge(['apply', ...args]);
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain('check passed  http:http://127.0.0.1:8211/');

    const extra = '  - unit: extra.service\n    enabled: true\n    running: true\n    content: "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"';
    fleet.commit(site(8212, 'V=2', extra));
    const bad = machine().converge(['apply', '--json', ...args]);
    expect(bad.exitCode).toBe(1);
    const report = JSON.parse(bad.stdout) as { result: string; failedCheck: { name: string }; rollback: { errors: string[]; undone: string[]; checksAfter: { status: string }[] } };
    expect(report.result).toBe('rolledBack');
    expect(report.failedCheck.name).toBe('http:http://127.0.0.1:8211/');
    expect(report.rollback.errors).toEqual([]);
    expect(report.rollback.undone).toEqual(expect.arrayContaining(['stopped extra.service', 'disabled extra.service', 'restarted container-site.service', 'restarted worker.service']));
    expect(report.rollback.checksAfter.map((c) => c.status)).toEqual(['passed', 'passed']);
    // the old site serves again, the new unit is gone, the worker runs its old definition
    expect(machine().exec(['busybox', 'wget', '-qO-', 'http://127.0.0.1:8211/']).stdout.trim()).toBe('up');
    expect(machine().exec(['test', '-e', '/etc/systemd/system/extra.service']).exitCode).toBe(1);
    expect(machine().exec(['systemctl', 'is-active', 'extra.service']).stdout.trim()).not.toBe('active');
    expect(machine().exec(['systemctl', 'show', '-p', 'Environment', '--value', 'worker.service']).stdout.trim()).toBe('V=1');
    expect(machine().exec(['systemctl', 'show', '-p', 'NeedDaemonReload', '--value', 'worker.service']).stdout.trim()).toBe('no');
  });

  it('plans the same unit under --root without podman or a manager', () => {
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/web.yml': containerYml('hello') });
    const r = machine().converge(['apply', '--repo', machine().inside(fleet.dir), '--host', 'box', '--root', '/var/tmp/sandbox']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('state running [skipped: needs a running systemd, not --root]');
    expect(machine().exec(['test', '-L', '/var/tmp/sandbox/etc/systemd/system/multi-user.target.wants/container-web.service']).exitCode).toBe(0);
    expect(machine().exec(['podman', 'container', 'exists', 'web']).exitCode).toBe(1);
  });
});

if (!available && !IN_CI) it.skip('containers on real podman (systemd-nspawn or the rootfs is missing)', () => undefined);
