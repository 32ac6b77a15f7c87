// Real accounts in the nspawn machine: the automation account is made with
// the machine's own shadow utils, can really sudo without a password, owns a
// file converged in the same run, and a change by hand is healed.
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/components.js';
import { createFleet } from '../helpers/fleet.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';

const available = nspawnAvailable();

const accounts = `resources:
  - user: mdt
    comment: converge automation
    shell: /bin/bash
    groups: [sudo]
    password: locked
    sudo: true
  - directory: /home/mdt/.ssh
    owner: mdt
    group: mdt
    mode: "0700"
    requires: [user:mdt]
  - group: backup-operators
    members: [mdt]
    requires: [user:mdt]
`;

describeWith(available)('accounts on a real machine', () => {
  const machine = useTestMachine(available, {
    setup: (m) => {
      // visudo comes with sudo, which the minimal rootfs lacks
      m.sh('DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo >/dev/null');
    },
  });

  it('makes the automation account, which can sudo without a password and owns what is converged after it', () => {
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/accounts.yml': accounts });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    const first = machine().converge(['apply', ...args]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(machine().sh('id mdt')).toMatch(/uid=\d+\(mdt\) gid=\d+\(mdt\) groups=\d+\(mdt\),27\(sudo\),\d+\(backup-operators\)/);
    expect(machine().sh('getent passwd mdt').trim()).toMatch(/^mdt:x:\d+:\d+:converge automation:\/home\/mdt:\/bin\/bash$/);
    expect(machine().sh('passwd -S mdt').split(' ')[1]).toBe('L');
    expect(machine().sh("runuser -u mdt -- sudo -n id -u").trim()).toBe('0');
    expect(machine().sh('stat -c "%U %G %a" /home/mdt/.ssh').trim()).toBe('mdt mdt 700');
    expect(machine().sh('visudo -c').trim()).toContain('/etc/sudoers.d/converge-mdt: parsed OK');
    const again = machine().converge(['plan', ...args]);
    expect(again.exitCode, again.stdout).toBe(0);

    // by hand: another shell, out of sudo, a password set
    machine().sh("usermod -s /bin/sh mdt && gpasswd -d mdt sudo >/dev/null && echo 'mdt:by-hand-123' | chpasswd");
    const drift = machine().converge(['plan', ...args]);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ user:mdt  (drift: changed by hand since the last converge)');
    expect(drift.stdout).toContain('password set → locked');
    const healed = machine().converge(['apply', ...args]);
    expect(healed.exitCode, healed.stdout + healed.stderr).toBe(0);
    expect(machine().sh('id -nG mdt').trim().split(' ').sort()).toEqual(['backup-operators', 'mdt', 'sudo']);
    expect(machine().sh('getent passwd mdt')).toContain(':/bin/bash');
    expect(machine().sh('passwd -S mdt').split(' ')[1]).toBe('L');
    expect(machine().sh("runuser -u mdt -- sudo -n id -u").trim()).toBe('0');
  });
});
