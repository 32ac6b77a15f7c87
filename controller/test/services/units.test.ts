// Units and services against a real systemd (a Debian rootfs booted with
// systemd-nspawn): converge → it runs → stop it and edit it by hand → plan
// shows both → converge heals → plan is clean. Plus the batching promises:
// one `systemctl show` on a quiet run, one daemon-reload however many units
// changed.
import { expect, it } from 'vitest';
import { describeWith, IN_CI } from '../helpers/components.js';
import { createFleet } from '../helpers/fleet.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';
import type { Machine } from '../helpers/nspawn.js';

const available = nspawnAvailable();

function unitText(name: string, extra = ''): string {
  return `[Unit]\nDescription=${name}\n\n[Service]\nExecStart=/bin/sleep infinity\n${extra}\n[Install]\nWantedBy=multi-user.target\n`;
}

function fleetFiles(units: Record<string, string>): Record<string, string> {
  const resources = Object.entries(units).map(([name, text]) =>
    [`  - unit: ${name}`, '    enabled: true', '    running: true', '    content: |', ...text.trimEnd().split('\n').map((l) => (l ? `      ${l}` : '')), ''].join('\n'),
  );
  return {
    'hosts/box/host.yml': 'os: linux\n',
    'hosts/box/units.yml': ['resources:', ...resources, '  - file: /etc/greeter.conf', '    content: "greeting = hello\\n"', '    notify: [unit:greeter.service]', '  - service: dbus', '    running: true', ''].join('\n'),
  };
}

function reloadsSoFar(machine: Machine): number {
  const out = machine.exec(['journalctl', '_PID=1', '-o', 'cat', '--no-pager']).stdout;
  return out.split('\n').filter((l) => l.trim() === 'Reloading.').length;
}

describeWith(available)('units and services on a real systemd', () => {
  const machine = useTestMachine(available);

  it('starts and enables units, heals a stopped and edited one, and is quiet after', () => {
    const fleet = createFleet(fleetFiles({ 'greeter.service': unitText('greeter'), 'helper.service': unitText('helper') }));
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];

    const first = machine().converge(['apply', ...args]);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('changed   unit:greeter.service');
    expect(machine().exec(['systemctl', 'is-active', 'greeter.service', 'helper.service']).stdout).toBe('active\nactive\n');
    expect(machine().exec(['systemctl', 'is-enabled', 'greeter.service']).stdout.trim()).toBe('enabled');

    // a quiet run: nothing changes, one `systemctl show` for every unit, no reload
    const before = reloadsSoFar(machine());
    const quiet = machine().converge(['apply', '--detailed-exitcode', '--log-level', 'debug', ...args]);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('Applied box: 4 unchanged');
    expect(quiet.stderr.match(/"msg":"systemctl show"/g)).toHaveLength(1);
    expect(reloadsSoFar(machine())).toBe(before);

    // by hand: stop one service, edit the other's unit file
    machine().sh('systemctl stop greeter.service');
    machine().sh('echo "Environment=EDITED=1" >> /etc/systemd/system/helper.service');
    const plan = machine().converge(['plan', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ unit:greeter.service  (drift: changed by hand since the last converge)');
    expect(plan.stdout).toContain('state stopped → running');
    expect(plan.stdout).toContain('~ unit:helper.service  (drift');
    expect(plan.stdout).toContain('-Environment=EDITED=1');
    expect(plan.stdout).toContain('restart to load the changed unit file');

    const heal = machine().converge(['apply', ...args]);
    expect(heal.exitCode, heal.stderr + heal.stdout).toBe(0);
    expect(heal.stdout).toContain('unit:greeter.service (drift healed)');
    expect(heal.stdout).toContain('unit:helper.service (drift healed)');
    expect(machine().exec(['systemctl', 'is-active', 'greeter.service']).stdout.trim()).toBe('active');
    expect(machine().sh('cat /etc/systemd/system/helper.service')).not.toContain('EDITED');
    // the manager runs the healed definition
    expect(machine().exec(['systemctl', 'show', '-p', 'NeedDaemonReload', '--value', 'helper.service']).stdout.trim()).toBe('no');

    const clean = machine().converge(['plan', ...args]);
    expect(clean.exitCode, clean.stdout).toBe(0);
  });

  it('reloads the manager once however many units change, restarts on notify, and prunes', () => {
    const box2 = (units: Record<string, string>, greeting: string, prune = false) => {
      const files = fleetFiles(units);
      return {
        'hosts/box2/host.yml': `os: linux\nprune: ${prune}\n`,
        'hosts/box2/units.yml': files['hosts/box/units.yml']!.replace('greeting = hello', `greeting = ${greeting}`).replace(/greeter/g, 'alpha'),
      };
    };
    const v1 = { 'alpha.service': unitText('alpha'), 'beta.service': unitText('beta') };
    const f = createFleet(box2(v1, 'hello', true));
    const a = ['--repo', machine().inside(f.dir), '--host', 'box2'];
    expect(machine().converge(['apply', ...a]).exitCode).toBe(0);
    const pidOf = (u: string) => machine().exec(['systemctl', 'show', '-p', 'MainPID', '--value', u]).stdout.trim();
    const alphaPid = pidOf('alpha.service');
    const betaPid = pidOf('beta.service');

    // three units change in one commit: one daemon-reload, the running ones restarted on the new definition
    let before = reloadsSoFar(machine());
    const v2 = { 'alpha.service': unitText('alpha', 'Environment=VERSION=2'), 'beta.service': unitText('beta', 'Environment=VERSION=2'), 'gamma.service': unitText('gamma') };
    f.commit(box2(v2, 'hello', true));
    let r = machine().converge(['apply', ...a]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(reloadsSoFar(machine()) - before).toBe(1);
    expect(r.stdout).toMatch(/changed\s+unit:alpha.service: content changed .*restart to load the changed unit file/);
    expect(pidOf('alpha.service')).not.toBe(alphaPid);
    expect(pidOf('beta.service')).not.toBe(betaPid);
    expect(machine().exec(['systemctl', 'show', '-p', 'Environment', '--value', 'alpha.service']).stdout).toContain('VERSION=2');
    expect(machine().exec(['systemctl', 'is-active', 'gamma.service']).stdout.trim()).toBe('active');

    // a file that notifies the service changes: it is restarted, nothing reloaded
    const pid = pidOf('alpha.service');
    before = reloadsSoFar(machine());
    f.commit(box2(v2, 'hi', true));
    r = machine().converge(['apply', ...a]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('unit:alpha.service: refreshed (notified by file:/etc/alpha.conf)');
    expect(pidOf('alpha.service')).not.toBe(pid);
    expect(reloadsSoFar(machine())).toBe(before);

    // gamma leaves the manifests: stopped, disabled, its file removed, forgotten by the manager
    f.commit(box2({ 'alpha.service': v2['alpha.service'], 'beta.service': v2['beta.service'] }, 'hi', true));
    r = machine().converge(['apply', ...a]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('pruned    unit:gamma.service');
    expect(machine().exec(['test', '-e', '/etc/systemd/system/gamma.service']).exitCode).toBe(1);
    expect(machine().exec(['systemctl', 'show', '-p', 'LoadState', '--value', 'gamma.service']).stdout.trim()).toBe('not-found');
  });

  it('fires a timer, masks and unmasks a service, and makes a service wait for a mount', () => {
    const yml = (masked: boolean) => `resources:
  - directory: /srv/store
  - mount: /mnt/store
    device: /srv/store
    fstype: none
  - unit: stamp.service
    content: |
      [Service]
      Type=oneshot
      ExecStart=/bin/sh -c 'date +%s >> /var/lib/stamps'
  - unit: stamp.timer
    content: |
      [Timer]
      OnActiveSec=1s
      OnUnitActiveSec=1s
      AccuracySec=100ms
      [Install]
      WantedBy=timers.target
    enabled: true
    running: true
  - service: systemd-networkd
    masked: ${masked}
  - service: dbus
    requires: [mount:/mnt/store]
`;
    const fleet = createFleet({ 'hosts/box3/host.yml': 'os: linux\n', 'hosts/box3/t.yml': yml(true) });
    const a = ['--repo', machine().inside(fleet.dir), '--host', 'box3'];
    const r = machine().converge(['apply', ...a]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // the timer follows the service it starts, and fires
    expect(r.stdout.indexOf('unit:stamp.service')).toBeLessThan(r.stdout.indexOf('unit:stamp.timer'));
    machine().sh('for i in $(seq 50); do [ -s /var/lib/stamps ] && break; sleep 0.1; done; test -s /var/lib/stamps');
    expect(machine().exec(['systemctl', 'is-enabled', 'systemd-networkd.service']).stdout.trim()).toBe('masked');
    expect(machine().sh('cat /etc/systemd/system/dbus.service.d/converge-mounts.conf')).toContain('RequiresMountsFor=/mnt/store');
    expect(machine().exec(['systemctl', 'show', '-p', 'RequiresMountsFor', '--value', 'dbus.service']).stdout.trim()).toBe('/mnt/store');

    fleet.commit({ 'hosts/box3/t.yml': yml(false) });
    const u = machine().converge(['apply', ...a]);
    expect(u.exitCode, u.stdout + u.stderr).toBe(0);
    expect(u.stdout).toContain('changed   service:systemd-networkd: masked yes → no');
    expect(machine().exec(['systemctl', 'is-enabled', 'systemd-networkd.service']).stdout.trim()).not.toBe('masked');
    expect(machine().converge(['plan', ...a]).exitCode).toBe(0);
  });

  it('brings back a unit that a bad commit removed, when a check that passed fails', () => {
    const keeper = `  - unit: keeper.service\n    enabled: true\n    running: true\n    content: "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"\n`;
    const fleet = createFleet({ 'hosts/box4/host.yml': 'os: linux\nchecks:\n  - unit: keeper.service\n    within: 1s\n', 'hosts/box4/k.yml': `resources:\n${keeper}` });
    const a = ['--repo', machine().inside(fleet.dir), '--host', 'box4'];
    expect(machine().converge(['apply', ...a]).exitCode).toBe(0);
    fleet.commit({ 'hosts/box4/k.yml': `resources:\n${keeper.replace('    enabled: true\n', '    ensure: absent\n    enabled: true\n')}` });
    const r = machine().converge(['apply', ...a]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('rolled back: unit:keeper.service passed before this converge and fails after it');
    expect(r.stdout).toContain('checks after the rollback: unit:keeper.service passed');
    expect(machine().exec(['systemctl', 'is-enabled', 'keeper.service']).stdout.trim()).toBe('enabled');
    expect(machine().exec(['systemctl', 'is-active', 'keeper.service']).stdout.trim()).toBe('active');
  });
});

if (!available && !IN_CI) it.skip('units and services on a real systemd (systemd-nspawn or the rootfs is missing)', () => undefined);
