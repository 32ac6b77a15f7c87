// A compromised device cannot open the next ring (DESIGN §7): s1 (servers)
// pushes a report under state/canary/ saying the canary applied the new
// commit and is healthy — signed with s1's own key, then unsigned. The gate
// counts only reports signed by their host's agentKey, so s1 still holds and
// `converge rollout` shows the canary as unverified with the reason; once the
// real canary applies the commit and reports, s1 goes.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { blob, pushState, stateAt } from '../helpers/hostile-status.js';
import { allowedSigners, createOrigin, publicKey, sshKey } from '../agent/support/origin.js';
import { agentOnce, writeConfig } from '../agent/support/agent.js';
import { converge } from '../helpers/cli.js';

interface View {
  rings: { name: string; healthy: number; gate: { open: boolean }; hosts: { host: string; state: string; detail?: string }[] }[];
}

describe('a forged canary report', () => {
  it('does not open the next ring, signed by another device or unsigned', () => {
    const dir = tempDir();
    const admin = sshKey(dir, 'admin');
    const signers = allowedSigners(path.join(dir, 'allowed'), [admin]);
    const devices = { canary: sshKey(dir, 'device-canary'), s1: sshKey(dir, 'device-s1') };
    const fleet = (text: string) => ({
      'hosts/_fleet.yml': 'rings:\n  - canary\n  - servers\n',
      'hosts/canary/host.yml': `os: linux\nring: canary\nagentKey: ${publicKey(devices.canary)}\n`,
      'hosts/canary/motd.yml': `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`,
      'hosts/s1/host.yml': `os: linux\nring: servers\nagentKey: ${publicKey(devices.s1)}\n`,
      'hosts/s1/motd.yml': `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`,
    });
    const origin = createOrigin(dir, fleet('v0'), admin);
    const config = {
      canary: writeConfig({ host: 'canary', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devices.canary.key } }).config,
      s1: writeConfig({ host: 's1', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devices.s1.key } }).config,
    };
    const once = (host: 'canary' | 's1') => {
      const r = agentOnce(config[host]);
      expect(r.exitCode, r.stderr).toBe(0);
      return origin.statusOf(host) as { result: string; applied: string; rollout?: { reason: string } };
    };
    const rollout = () => {
      const r = converge(['rollout', '--repo', origin.url, '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as View).rings[0]!;
    };
    const c0 = origin.commit({}, { message: 'first' });
    expect(once('canary').applied).toBe(c0);
    expect(once('s1').applied).toBe(c0);

    const c1 = origin.commit(fleet('v1'));
    expect(once('s1')).toMatchObject({ result: 'held', applied: c0 });
    const now = new Date().toISOString();
    const forged = (event: string) =>
      blob(origin.bare, JSON.stringify({ host: 'canary', result: 'changed', event, commit: c1, applied: c1, appliedAt: now, startedAt: now, endedAt: now, errors: [], resources: [], checks: [] }));

    // s1 writes the canary's report, signed with its own key: the canary is unverified, s1 still holds.
    const bySelf = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'canary' ? forged(`canary: applied ${c1.slice(0, 7)}`) : id]), { signingKey: devices.s1.key });
    const held = once('s1');
    expect(held).toMatchObject({ result: 'held', applied: c0 });
    expect(held.rollout?.reason).toMatch(/^waiting for ring canary: 0 of 1 applied [0-9a-f]{7} and healthy/);
    let canary = rollout();
    expect(canary).toMatchObject({ healthy: 0 });
    expect(canary.hosts).toEqual([expect.objectContaining({ host: 'canary', state: 'unverified', detail: `the last change (${bySelf.slice(0, 7)}) is signed by a key that is not canary's agentKey` })]);
    const table = converge(['rollout', '--repo', origin.url]).stdout;
    expect(table).toContain(`canary/canary: unverified — the last change (${bySelf.slice(0, 7)}) is signed by a key that is not canary's agentKey`);

    // …or unsigned: the same.
    const unsigned = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'canary' ? forged('canary: all good') : id]));
    expect(once('s1')).toMatchObject({ result: 'held', applied: c0 });
    canary = rollout();
    expect(canary.hosts[0]).toMatchObject({ state: 'unverified', detail: `the last change (${unsigned.slice(0, 7)}) is unsigned` });

    // The real canary applies and reports, signed by its own key: the ring opens for s1.
    expect(once('canary')).toMatchObject({ result: 'changed', applied: c1 });
    expect(rollout()).toMatchObject({ healthy: 1, hosts: [expect.objectContaining({ state: 'healthy' })] });
    expect(once('s1')).toMatchObject({ result: 'changed', applied: c1 });
  }, 240_000);
});
