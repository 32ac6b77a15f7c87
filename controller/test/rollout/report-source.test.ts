// The reports rollout gating reads: each host's status.json at the status
// branch tip, verified only when the last change to its folder is signed by
// that host's agentKey (hosts/<host>/host.yml on the fleet branch). A report
// in state/<host>/ that names another host, or one written by another
// device, is returned unverified with the reason. Neither tip moved: not
// read again.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { blob, pushState, stateAt } from '../helpers/hostile-status.js';
import { createOrigin, git, publicKey, sshKey } from '../agent/support/origin.js';
import { statusBranchReports } from '../../src/report/report-source.js';

const doc = (host: string, event = `${host}: in sync`) => JSON.stringify({ host, endedAt: '2026-03-01T10:00:00Z', result: 'converged', event, applied: 'c'.repeat(40), errors: [], resources: [] });

describe('status-branch reports', () => {
  it('verify each report against its own host key, and read unmoved tips once', async () => {
    const dir = tempDir();
    const keys = { canary: sshKey(dir, 'canary'), mallory: sshKey(dir, 'mallory'), s1: sshKey(dir, 's1') };
    const origin = createOrigin(dir, Object.fromEntries(Object.entries(keys).map(([h, k]) => [`hosts/${h}/host.yml`, `os: linux\nagentKey: ${publicKey(k)}\n`])), null);
    // Each host pushes its own folder, signed with its own key; mallory's report claims to be the canary's.
    let tip = '';
    const folders: [string, string][] = [];
    for (const [folder, host] of [['canary', 'canary'], ['mallory', 'canary'], ['s1', 's1']] as const) {
      folders.push([folder, blob(origin.bare, doc(host))]);
      tip = pushState(origin.bare, folders, { signingKey: keys[folder].key });
    }
    const source = statusBranchReports({ url: origin.url, branch: 'main', statusBranch: 'status', dir: path.join(dir, 'cache') });
    const first = await source.read();
    expect(first.statusCommit).toBe(tip);
    expect(first.reports.map((r) => [r.host, r.verified, r.reason])).toEqual([
      ['canary', true, null],
      ['mallory', false, 'status.json names another host (canary)'],
      ['s1', true, null],
    ]);
    expect(await source.read()).toBe(first);

    // s1 rewrites the canary's report, signed with its own key: no longer the canary's.
    const forged = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'canary' ? blob(origin.bare, doc('canary', 'canary: forged')) : id]), { signingKey: keys.s1.key });
    const second = await source.read();
    expect(second.statusCommit).toBe(forged);
    expect(second.reports.find((r) => r.host === 'canary')).toMatchObject({ verified: false, reason: `the last change (${forged.slice(0, 7)}) is signed by a key that is not canary's agentKey` });

    // The fleet branch moves (a key could have been added): read again.
    const moved = origin.commit({ 'hosts/README': 'x\n' });
    expect(git(origin.bare, 'rev-parse', 'main').trim()).toBe(moved);
    expect(await source.read()).not.toBe(second);
  });
});
