// Mounts and packages inside the nspawn container. CIFS cannot be mounted on
// this kernel, so the SMB mount's units are checked for content and with
// `systemd-analyze verify`, and enabled for real; a bind mount is mounted for
// real. Packages: a real apt-get install from Debian's mirror.
import { expect, it } from 'vitest';
import { describeWith, IN_CI } from '../helpers/components.js';
import { createFleet } from '../helpers/fleet.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';

const available = nspawnAvailable();

const smbYml = (options: string) => `resources:
  - directory: /etc/converge
  - file: /etc/converge/smb.cred
    content: "username=mike\\npassword=not-a-real-one\\n"
    mode: "0600"
  - mount: /space
    device: //motoko.pangolin-vega.ts.net/space
    credentials: /etc/converge/smb.cred
    options: [${options}]
    automount: true
    idleTimeout: 10min
    mounted: false
  - unit: space-report.service
    requires: [mount:/space]
    content: |
      [Unit]
      Description=needs /space
      [Service]
      Type=oneshot
      ExecStart=/bin/true
`;

describeWith(available)('mounts and packages on a real systemd', () => {
  const machine = useTestMachine(available);

  it('writes SMB mount and automount units that systemd accepts, and units that wait for the mount', () => {
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/smb.yml': smbYml('vers=3.0, uid=1000') });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    const r = machine().converge(['apply', ...args]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const mountUnit = machine().sh('cat /etc/systemd/system/space.mount');
    expect(mountUnit).toContain('What=//motoko.pangolin-vega.ts.net/space');
    expect(mountUnit).toContain('Type=cifs');
    expect(mountUnit).toContain('Options=credentials=/etc/converge/smb.cred,vers=3.0,uid=1000,_netdev');
    expect(mountUnit).not.toContain('[Install]');
    expect(machine().sh('cat /etc/systemd/system/space.automount')).toContain('TimeoutIdleSec=10min');
    const verify = machine().exec(['systemd-analyze', 'verify', '/etc/systemd/system/space.mount', '/etc/systemd/system/space.automount']);
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(machine().exec(['systemctl', 'is-enabled', 'space.automount']).stdout.trim()).toBe('enabled');
    // the unit that requires the mount waits for it
    expect(machine().sh('cat /etc/systemd/system/space-report.service')).toContain('RequiresMountsFor=/space');
    expect(machine().exec(['systemctl', 'show', '-p', 'RequiresMountsFor', '--value', 'space-report.service']).stdout.trim()).toBe('/space');

    // an option edited by hand is drift; the credentials file's mode too
    machine().sh("sed -i 's/vers=3.0/vers=2.1/' /etc/systemd/system/space.mount && chmod 0644 /etc/converge/smb.cred");
    const plan = machine().converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('~ mount:/space  (drift');
    expect(plan.stdout).toContain('+Options=credentials=/etc/converge/smb.cred,vers=3.0,uid=1000,_netdev');
    expect(machine().converge(['apply', ...args]).exitCode).toBe(0);
    expect(machine().converge(['plan', ...args]).exitCode).toBe(0);
    expect(machine().exec(['stat', '-c', '%a', '/etc/converge/smb.cred']).stdout.trim()).toBe('600');

    // ensure: absent takes the units away
    fleet.commit({ 'hosts/box/smb.yml': 'resources:\n  - mount: /space\n    ensure: absent\n    device: //motoko.pangolin-vega.ts.net/space\n    automount: true\n' });
    const gone = machine().converge(['apply', ...args]);
    expect(gone.exitCode, gone.stdout + gone.stderr).toBe(0);
    expect(machine().exec(['test', '-e', '/etc/systemd/system/space.automount']).exitCode).toBe(1);
    expect(machine().exec(['test', '-e', '/etc/systemd/system/space.mount']).exitCode).toBe(1);
  });

  it('mounts a bind mount for real and mounts it again after an umount by hand', () => {
    const fleet = createFleet({
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/bind.yml': `resources:
  - directory: /srv/data
  - file: /srv/data/hello.txt
    content: "hello from /srv/data\\n"
  - mount: /mnt/data
    device: /srv/data
    fstype: none
    options: [ro]
`,
    });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    const r = machine().converge(['apply', ...args]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(machine().sh('cat /mnt/data/hello.txt')).toBe('hello from /srv/data\n');
    expect(machine().exec(['systemctl', 'is-enabled', 'mnt-data.mount']).stdout.trim()).toBe('enabled');

    machine().sh('umount /mnt/data');
    const plan = machine().converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('state unmounted → mounted');
    expect(machine().converge(['apply', ...args]).exitCode).toBe(0);
    expect(machine().sh('cat /mnt/data/hello.txt')).toBe('hello from /srv/data\n');
    expect(machine().converge(['plan', ...args]).exitCode).toBe(0);
  });

  it('installs packages with one apt-get call, heals a removal by hand, and removes with ensure: absent', () => {
    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/pkgs.yml': 'resources:\n  - package: hello\n  - package: tree\n' });
    const args = ['--repo', machine().inside(fleet.dir), '--host', 'box'];
    const history = () => machine().exec(['sh', '-c', 'cat /var/log/apt/history.log 2>/dev/null']).stdout;
    const runsBefore = history().split('Start-Date').length;

    const r = machine().converge(['apply', ...args], { timeoutMs: 600_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('changed   package:hello');
    expect(r.stdout).toContain('changed   package:tree');
    expect(machine().exec(['hello']).stdout).toContain('Hello, world!');
    // both in one apt-get install
    const runs = history().split('Start-Date').slice(runsBefore);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/Commandline: apt-get install .*hello tree/);

    machine().sh('DEBIAN_FRONTEND=noninteractive apt-get remove -y -q hello >/dev/null');
    const plan = machine().converge(['plan', ...args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('+ package:hello  (drift');
    expect(machine().converge(['apply', ...args], { timeoutMs: 600_000 }).exitCode).toBe(0);
    expect(machine().exec(['hello']).exitCode).toBe(0);
    expect(machine().converge(['plan', ...args]).exitCode).toBe(0);

    fleet.commit({ 'hosts/box/pkgs.yml': 'resources:\n  - package: hello\n    ensure: absent\n  - package: tree\n' });
    const rm = machine().converge(['apply', ...args], { timeoutMs: 600_000 });
    expect(rm.exitCode, rm.stdout + rm.stderr).toBe(0);
    expect(rm.stdout).toContain('changed   package:hello: ensure present → absent');
    expect(machine().exec(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', 'hello']).stdout.trim()).not.toBe('ii');
  });
});

if (!available && !IN_CI) it.skip('mounts and packages on a real systemd (systemd-nspawn or the rootfs is missing)', () => undefined);
