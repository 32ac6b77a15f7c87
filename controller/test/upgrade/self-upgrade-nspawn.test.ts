// The agent upgrades itself under a real systemd (the rootfs booted with
// systemd-nspawn), installed by linux.sh from a fleet remote whose controller/
// is this checkout's. A commit that changes the agent is applied by the NEW
// release: a good one comes up and confirms; one whose agent crashes at start
// is switched back by the guard (not by the new agent), refused and reported;
// kill -9 at any point of an upgrade leaves a working agent.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fleetRemote } from '../helpers/fleet-remote.js';
import { machineNpm } from '../helpers/machine-npm.js';
import { describeWith } from '../helpers/components.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';
import type { Machine } from '../helpers/nspawn.js';

const available = nspawnAvailable() && process.getuid?.() === 0;
const P = '/opt/converge';

/** Poll `check` (a shell test in the machine) until it succeeds; the last output on failure. */
function until(m: Machine, what: string, script: string, timeoutMs: number): string {
  const end = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const r = m.exec(['/bin/sh', '-c', script]);
    if (r.exitCode === 0) return r.stdout;
    last = r.stdout + r.stderr;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${last}\n${m.exec(['journalctl', '-u', 'converge-agent', '-n', '40', '--no-pager']).stdout}`);
    execFileSync('sleep', ['1']); // a poll of the machine's state, not a wait on timing: the loop ends on the condition
  }
}

describeWith(available)('the agent upgrades itself (systemd)', () => {
  let m: Machine;
  let dir = '';
  let commitNo = 0;

  /** A commit in the machine's fleet work tree: edits by shell, pushed; returns its id. */
  function commit(message: string, edits: string): string {
    m.sh(`cd /root/work && ${edits} && git add -A && git commit -qm '${message}' && git push -q origin main`);
    return m.sh('git -C /root/work rev-parse HEAD').trim();
  }
  const setVersion = (v: string) => `sed -i 's/"version": "[^"]*"/"version": "${v}"/' package.json`;
  const setLab = (text: string) => `printf 'resources:\\n  - file: /etc/lab.conf\\n    content: "${text}\\\\n"\\n' > hosts/lab/files.yml`;
  const agentLink = () => m.sh(`readlink ${P}/agent`).trim();
  /** The status.json the host pushed with the status commit whose subject starts with `subject`. */
  function statusAt(subject: string): { agentVersion: string; result: string; errors: string[]; refused?: { commit: string; reason: string }[] } {
    const id = until(m, `a status commit "${subject}"`, `git -C /srv/fleet.git log --format='%H %s' status | grep -m1 -F ' ${subject}' | cut -d' ' -f1 | grep .`, 1000).trim();
    return JSON.parse(m.sh(`git -C /srv/fleet.git show ${id}:state/lab/status.json`)) as never;
  }
  const waitStatus = (subject: string, timeoutMs: number) => until(m, `status "${subject}"`, `git -C /srv/fleet.git log --format=%s status | grep -F '${subject}'`, timeoutMs);
  const active = () => m.exec(['systemctl', 'is-active', 'converge-agent.service']).stdout.trim();

  /** Installed with linux.sh, as on a device; the fleet remote is /srv/fleet.git, a work tree to commit in /root/work. */
  function install(machine: Machine): void {
    m = machine;
    // beforeAll: a temp folder of the whole file, removed in afterAll
    dir = mkdtempSync(path.join(os.tmpdir(), 'converge-test-upgrade-'));
    const { remote } = fleetRemote(dir, { labFile: '/etc/lab.conf' });
    const { npmCli, env } = machineNpm(m, dir);
    m.sh(`apt-get install -y -qq git >/dev/null && git clone -q --bare ${m.inside(remote)} /srv/fleet.git && git clone -q /srv/fleet.git /root/work && git -C /root/work config user.email t@example.com && git -C /root/work config user.name test`);
    const r = m.exec(['bash', '/project/scripts/bootstrap/linux.sh', '--host', 'lab', '--repo', 'file:///srv/fleet.git', '--allow-unsigned', '--node', '/usr/bin/node', '--npm', npmCli, '--wait', '5', '--no-start'], { timeoutMs: 900_000, env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // A short poll and deadline for the test; the service picks them up at start.
    m.sh("printf 'poll: 2s\\ninterval: 1h\\nupgradeDeadline: 60s\\n' >> /etc/converge/config.yml && systemctl start converge-agent.service");
  }
  useTestMachine(available, { needs: 'systemd-nspawn and debootstrap (as root)', setup: install });
  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  describe('in order', () => {
    let first = '';
    let good = '';

    it('a good upgrade: the new release applies the commit, confirms, and stays', { timeout: 300_000 }, () => {
      first = agentLink();
      expect(first).toMatch(/^releases\/[0-9a-f]{12}$/);
      const c = commit('agent 0.1.0-up1', `${setVersion('0.1.0-up1')} && ${setLab('v2')}`);
      waitStatus(`lab: applied ${c.slice(0, 7)}`, 240_000);
      // Applied by the new release: its version is in the report, the links point at it, the upgrade is confirmed.
      expect(statusAt(`lab: applied ${c.slice(0, 7)}`).agentVersion).toBe('0.1.0-up1');
      good = agentLink();
      expect(good).not.toBe(first);
      expect(JSON.parse(m.sh(`cat ${P}/agent/release.json`))).toMatchObject({ commit: c });
      expect(m.sh('cat /etc/lab.conf')).toBe('v2\n');
      until(m, 'the upgrade confirmed', `test ! -e ${P}/upgrade/pending`, 30_000);
      expect(active()).toBe('active');
      expect(m.sh(`${P}/runtime/bin/node ${P}/agent/controller/bin/converge.js --version`).trim()).toBe('0.1.0-up1');
    });

    it('an agent that crashes at start is switched back by the guard; the commit is refused and reported', { timeout: 300_000 }, () => {
      const crash = `sed -i '1a if (process.argv[2] === "agent") process.exit(1);' controller/bin/converge.js`;
      const c = commit('agent 0.1.0-crash', `${setVersion('0.1.0-crash')} && ${crash} && ${setLab('v3')}`);
      waitStatus(`lab: rolled back ${c.slice(0, 7)}`, 240_000);
      const s = statusAt(`lab: rolled back ${c.slice(0, 7)}`);
      // Reported by the previous release, which is back in force.
      expect(s.result).toBe('rolledBack');
      expect(s.agentVersion).toBe('0.1.0-up1');
      expect(s.errors[0]).toMatch(/^agent upgrade: the new agent (started \d times without reporting the commit applied|did not report the commit applied by the deadline)/);
      expect(s.refused?.find((r) => r.commit === c)?.reason).toBe('rolled back (agent upgrade)');
      expect(agentLink()).toBe(good);
      // The old agent never applied the commit's resources.
      expect(m.sh('cat /etc/lab.conf')).toBe('v2\n');
      until(m, 'the agent active again', 'systemctl is-active converge-agent.service', 60_000);
      expect(m.exec(['test', '-e', `${P}/upgrade/pending`]).exitCode).not.toBe(0);
    });

    it('a newer good commit upgrades fine; old releases are pruned to the current and two before it', { timeout: 300_000 }, () => {
      const undo = `sed -i '2d' controller/bin/converge.js`;
      const c = commit('agent 0.1.0-up3', `${setVersion('0.1.0-up3')} && ${undo} && ${setLab('v4')}`);
      waitStatus(`lab: applied ${c.slice(0, 7)}`, 240_000);
      expect(statusAt(`lab: applied ${c.slice(0, 7)}`).agentVersion).toBe('0.1.0-up3');
      expect(m.sh('cat /etc/lab.conf')).toBe('v4\n');
      until(m, 'the upgrade confirmed', `test ! -e ${P}/upgrade/pending`, 30_000);
      const releases = m.sh(`ls ${P}/releases`).split('\n').filter(Boolean);
      expect(releases).toHaveLength(3);
      expect(releases).not.toContain(first.slice('releases/'.length));
      expect(releases).toContain(good.slice('releases/'.length));
    });

    it('kill -9 at any point of an upgrade leaves a working agent that applies the commit', { timeout: 600_000 }, () => {
      const outcomes: Record<string, string> = {};
      for (const point of ['build', 'pending', 'switched']) {
        m.sh(`mkdir -p /etc/systemd/system/converge-agent.service.d && printf '[Service]\\nEnvironment=CONVERGE_TEST_UPGRADE_HOLD=${point}\\n' > /etc/systemd/system/converge-agent.service.d/hold.conf && systemctl daemon-reload && systemctl restart converge-agent.service`);
        const version = `0.1.0-kill-${point}-${++commitNo}`;
        const c = commit(`agent ${version}`, `${setVersion(version)} && ${setLab(`kill ${point}`)}`);
        until(m, `the agent held at ${point}`, `test -e ${P}/upgrade/held-${point}`, 240_000);
        // The next start must not hold again; then kill the agent where it stands.
        m.sh(`rm -f /etc/systemd/system/converge-agent.service.d/hold.conf ${P}/upgrade/held-${point} && systemctl daemon-reload && systemctl kill -s KILL converge-agent.service`);
        waitStatus(`lab: applied ${c.slice(0, 7)}`, 240_000);
        const s = statusAt(`lab: applied ${c.slice(0, 7)}`);
        until(m, 'the upgrade confirmed', `test ! -e ${P}/upgrade/pending`, 30_000);
        outcomes[point] = `${s.agentVersion === version ? 'applied by the new release' : `applied by ${s.agentVersion}`}, ${active()}, ${m.sh('cat /etc/lab.conf').trim()}`;
      }
      expect(outcomes).toEqual({
        build: 'applied by the new release, active, kill build',
        pending: 'applied by the new release, active, kill pending',
        switched: 'applied by the new release, active, kill switched',
      });
      // Nothing half-built left behind.
      expect(m.sh(`ls -a ${P}/releases`).split('\n').filter((n) => n.startsWith('.new-'))).toEqual([]);
    });
  });
});
