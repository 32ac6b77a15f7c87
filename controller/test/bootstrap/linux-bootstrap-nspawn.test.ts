// linux.sh on a fresh Debian machine with a real systemd (the rootfs booted
// with systemd-nspawn): the deploy key, the agent built on the machine from
// the fleet repository (a local remote), the config, converge-agent.service
// installed, enabled and started by systemd, a first converge that applies
// the lab host and commits its report to the status branch.
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { fleetRemote } from '../helpers/fleet-remote.js';
import { machineNpm } from '../helpers/machine-npm.js';
import { describeWith } from '../helpers/components.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';

const available = nspawnAvailable() && process.getuid?.() === 0;

describeWith(available)('linux.sh on a fresh machine', () => {
  const machine = useTestMachine(available, { needs: 'systemd-nspawn and debootstrap (as root)' });

  it('installs the agent as a systemd service that systemd starts', { timeout: 900_000 }, async () => {
    const m = machine();
    const dir = tempDir();
    const { remote } = fleetRemote(dir, { labFile: '/etc/lab.conf' });
    const { npmCli, env } = machineNpm(m, dir);
    m.sh(`apt-get install -y -qq git >/dev/null && git clone -q --bare ${m.inside(remote)} /srv/fleet.git`);

    const r = m.exec(['bash', '/project/scripts/bootstrap/linux.sh', '--host', 'lab', '--repo', 'file:///srv/fleet.git', '--allow-unsigned', '--node', '/usr/bin/node', '--npm', npmCli, '--wait', '5'], {
      timeoutMs: 900_000,
      env,
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('== 8/9 first converge (secrets-sync: env files from Key Vault)');
    expect(r.stdout).toContain('first converge: done');
    expect(m.sh('cat /etc/lab.conf')).toBe('hello\n');
    // The first converge reported to the status branch of the fleet remote.
    expect(m.sh('git -C /srv/fleet.git log --format=%s status')).toMatch(/^lab: applied [0-9a-f]{7}/m);
    // The service: installed, enabled at boot, started by systemd with the agent's command line.
    expect(m.exec(['systemctl', 'is-enabled', 'converge-agent.service']).stdout.trim()).toBe('enabled');
    expect(m.exec(['systemctl', 'show', '-p', 'ExecStart', '--value', 'converge-agent.service']).stdout).toContain('/opt/converge/runtime/bin/node --max-semi-space-size=8 /opt/converge/agent/controller/bin/converge.js agent --config /etc/converge/config.yml');
    expect(m.exec(['systemctl', 'is-active', 'converge-agent.service']).stdout.trim()).toBe('active');
    expect(m.sh('stat -c %a /etc/converge/deploy_key').trim()).toBe('600');
    expect(m.sh('cat /etc/converge/config.yml')).toContain("repo: 'file:///srv/fleet.git'");
    // The agent built on the machine is a working converge: it plans the lab host from the fleet.
    const plan = m.exec(['/bin/sh', '-c', 'git clone -q /srv/fleet.git /root/fleet && /opt/converge/runtime/bin/node /opt/converge/agent/controller/bin/converge.js plan --host lab --repo /root/fleet']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Plan: 1 in sync.');
  });
});
