// A real agent with a maintenance window: outside it a new signed commit is
// verified and planned, reported `pending` with the time the window opens,
// and not applied; drift of the commit in force is still healed (the
// window that counts is the one of the commit in force). Inside the window a deferIf check that holds
// reports `deferred`; once it clears the commit is applied.
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, publicKey, sshKey } from '../agent/support/origin.js';
import { agentOnce, writeConfig } from '../agent/support/agent.js';

const motd = (text: string) => `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`;
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

describe('maintenance windows in the agent', () => {
  it('plan and wait outside the window, defer inside it while busy, apply when clear', () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const signers = allowedSigners(path.join(dir, 'allowed'), [key]);
    // The device signs its reports with its own key, declared in its host.yml.
    const device = sshKey(dir, 'device-w');
    const agentKey = `agentKey: ${publicKey(device)}\n`;
    const origin = createOrigin(dir, { 'hosts/w/host.yml': `os: linux\n${agentKey}`, 'hosts/w/motd.yml': motd('v0') }, key);
    const { config, root } = writeConfig({ host: 'w', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: device.key } });
    const motdFile = path.join(root, 'etc/motd');
    const run = () => {
      const r = agentOnce(config);
      expect(r.exitCode, r.stderr).toBe(0);
      return origin.statusOf('w') as { result: string; applied: string; commit: string; mode: string; rollout?: { reason: string; opensAt: string }; resources: { id: string; status: string }[] };
    };
    run();

    // Closed now: it opens in 12 hours (UTC), for one hour.
    const later = new Date(Date.now() + 12 * 3_600_000);
    const closed = `os: linux\n${agentKey}window:\n  start: "${hhmm(later)}"\n  length: 1h\n  timeZone: UTC\n  healOutsideWindow: false\n`;
    const c1 = origin.commit({ 'hosts/w/host.yml': closed, 'hosts/w/motd.yml': motd('v1') });
    const pending = run();
    expect(pending).toMatchObject({ result: 'pending', commit: c1, mode: 'plan' });
    expect(pending.applied).not.toBe(c1);
    expect(pending.rollout!.reason).toMatch(/^window opens \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z \(\d\d:\d\d UTC\)$/);
    expect(Math.abs(Date.parse(pending.rollout!.opensAt) - later.getTime())).toBeLessThan(60_000);
    expect(pending.resources).toEqual([expect.objectContaining({ id: 'file:/etc/motd', status: 'pending' })]);
    expect(origin.statusLog()[0]).toMatch(new RegExp(`^w: pending ${c1.slice(0, 7)} \\(window opens `));
    expect(readFileSync(motdFile, 'utf8')).toBe('v0\n');

    // The window of the commit in force is the old one (none): drift is still healed.
    writeFileSync(motdFile, 'by hand\n');
    run();
    expect(readFileSync(motdFile, 'utf8')).toBe('v0\n');

    // Open now, but busy: deferred.
    const earlier = new Date(Date.now() - 3_600_000);
    const flag = path.join(dir, 'busy');
    writeFileSync(flag, '');
    const open = `os: linux\n${agentKey}window:\n  start: "${hhmm(earlier)}"\n  length: 3h\n  timeZone: UTC\n  deferIf:\n    - command: test -e ${flag}\n  maxDefer: 1h\n`;
    const c2 = origin.commit({ 'hosts/w/host.yml': open, 'hosts/w/motd.yml': motd('v2') });
    const deferred = run();
    expect(deferred).toMatchObject({ result: 'deferred', commit: c2 });
    expect(deferred.rollout!.reason).toContain(`deferred: deferIf command exited 0 (test -e ${flag})`);
    expect(readFileSync(motdFile, 'utf8')).toBe('v0\n');

    rmSync(flag);
    expect(run()).toMatchObject({ result: 'changed', applied: c2 });
    expect(readFileSync(motdFile, 'utf8')).toBe('v2\n');

  }, 240_000);
});
