// Several real agents (one per host, each its own --root, state and SSH key
// signing its status reports) against one real remote with signed commits
// and a real health check: a good commit
// walks through the rings in order, each ring waiting for the one before on
// the status branch; a commit that breaks the canary's check halts the
// rollout at the canary and the later rings hold, saying why; a newer good
// commit starts a new rollout that goes through.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, publicKey, sshKey } from '../agent/support/origin.js';
import type { SigningKey } from '../agent/support/origin.js';
import { agentOnce, writeConfig } from '../agent/support/agent.js';
import { converge } from '../helpers/cli.js';

const RINGS = 'rings:\n  - canary\n  - name: servers\n    successThreshold: 50%\n  - laptops\n';

function hostFiles(host: string, ring: string | null, device: SigningKey, root: string, content: string): Record<string, string> {
  // Checks probe the real system, so the agents run with root / and manage a file in this test's folder.
  const file = path.join(root, 'app.conf');
  const check = host === 'canary' ? `checks:\n  - command: grep -q ok ${file}\n    name: app\n    within: 0s\n` : '';
  return {
    [`hosts/${host}/host.yml`]: `os: linux\nagentKey: ${publicKey(device)}\n${ring ? `ring: ${ring}\n` : ''}${check}`,
    [`hosts/${host}/app.yml`]: `resources:\n  - directory: ${root}\n  - file: ${file}\n    content: "${content}\\n"\n`,
  };
}

describe('rings', () => {
  it('walk a good commit through the rings in order, halt at a broken canary, and resume with a newer commit', () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const signers = allowedSigners(path.join(dir, 'allowed'), [key]);
    const hosts = { canary: 'canary', s1: 'servers', s2: 'servers', laptop: null } as const;
    const roots = Object.fromEntries(Object.keys(hosts).map((h) => [h, path.join(dir, `root-${h}`)]));
    // Each device signs its reports with its own key, declared in its host.yml: only those reports count.
    const devices = Object.fromEntries(Object.keys(hosts).map((h) => [h, sshKey(dir, `device-${h}`)]));
    const fleet = (content: string) => ({
      'hosts/_fleet.yml': RINGS,
      ...Object.assign({}, ...Object.entries(hosts).map(([h, ring]) => hostFiles(h, ring, devices[h]!, roots[h]!, content))),
    });
    const origin = createOrigin(dir, fleet('ok v0'), key);
    const config = Object.fromEntries(
      Object.keys(hosts).map((h) => {
        const { config: file } = writeConfig({ host: h, repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: devices[h]!.key } });
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^root: .*$/m, 'root: /'));
        return [h, file];
      }),
    );
    const once = (host: string) => {
      const r = agentOnce(config[host]!);
      return { ...r, last: origin.statusOf(host) as { result: string; applied: string; commit: string; rollout?: { reason: string; halted?: boolean; statusCommit?: string }; refused?: unknown[] } };
    };

    // A new device has nothing to protect: every host takes the first commit at once.
    const c0 = origin.commit({}, { message: 'first' });
    for (const h of Object.keys(hosts)) expect(once(h).last.applied, h).toBe(c0);

    // A good commit: the later rings wait until the ring before has it.
    const c1 = origin.commit(fleet('ok v1'));
    const laptop = once('laptop');
    expect(laptop.exitCode, laptop.stderr).toBe(0);
    expect(laptop.last.result).toBe('held');
    expect(laptop.last.applied).toBe(c0);
    expect(laptop.last.rollout?.reason).toMatch(/^waiting for ring servers: 0 of 2 applied [0-9a-f]{7} and healthy, 1 needed \(50%\)/);
    expect(once('s1').last.result).toBe('held');
    expect(origin.statusLog()[0]).toMatch(new RegExp(`^s1: held ${c1.slice(0, 7)} \\(waiting for ring canary: 0 of 1 applied`));

    expect(once('canary').last).toMatchObject({ result: 'changed', applied: c1 });
    expect(once('s1').last).toMatchObject({ result: 'changed', applied: c1 });
    // converge rollout tells the same story from the outside.
    const view = JSON.parse(converge(['rollout', '--repo', origin.url, '--json']).stdout) as { commit: string; rings: { name: string; healthy: number; needed: number; done: boolean; gate: { open: boolean }; hosts: { host: string; state: string }[] }[] };
    expect(view.commit).toBe(c1);
    expect(view.rings.map((r) => [r.name, r.healthy, r.needed, r.done, r.gate.open])).toEqual([['canary', 1, 1, true, true], ['servers', 1, 1, true, true], ['laptops', 0, 1, false, true]]);
    expect(view.rings[1]!.hosts.map((h) => [h.host, h.state])).toEqual([['s1', 'healthy'], ['s2', 'waiting']]);
    expect(view.rings[2]!.hosts.map((h) => [h.host, h.state])).toEqual([['laptop', 'held']]);
    // servers needs 50% of 2: s1 is enough for the laptops to go, before s2.
    expect(once('laptop').last).toMatchObject({ result: 'changed', applied: c1 });
    expect(once('s2').last).toMatchObject({ result: 'changed', applied: c1 });

    // A commit that breaks the canary's check: the canary rolls back, the rollout halts there.
    const c2 = origin.commit(fleet('bad'));
    expect(once('canary').last).toMatchObject({ applied: c1, refused: [{ commit: c2, reason: 'rolled back' }] });
    expect(origin.statusLog()).toContainEqual(expect.stringMatching(new RegExp(`^canary: rolled back ${c2.slice(0, 7)} `)));
    for (const h of ['s1', 's2', 'laptop']) {
      const held = once(h);
      expect(held.exitCode, held.stderr).toBe(0);
      expect(held.last).toMatchObject({ result: 'held', commit: c2, applied: c1 });
      expect(held.last.rollout?.halted).toBe(true);
      expect(held.last.rollout?.reason).toContain(`rollout halted in ring canary: 1 of 1 failed ${c2.slice(0, 7)} (maxUnavailable 0) — canary: rolled back`);
      expect(held.last.rollout?.statusCommit).toMatch(/^[0-9a-f]{40}$/);
    }
    const table = converge(['rollout', '--repo', origin.url]);
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^canary +1 +0\/1 +1 +halted$/m);
    expect(table.stdout).toMatch(/^servers +2 +0\/1 +0 +held \(halted in canary\)$/m);
    expect(table.stdout).toContain('canary/canary: failed — rolled back');
    expect(table.stdout).toContain(`laptops holds: rollout halted in ring canary: 1 of 1 failed ${c2.slice(0, 7)}`);
    // Held again for the same reason: no new status commit.
    once('s1');
    expect(origin.statusLog().filter((l) => l.startsWith(`s1: held ${c2.slice(0, 7)}`))).toHaveLength(1);

    // A newer good commit starts a new rollout.
    const c3 = origin.commit(fleet('ok v3'));
    expect(once('s2').last.result).toBe('held');
    expect(once('canary').last).toMatchObject({ result: 'changed', applied: c3 });
    for (const h of ['s1', 's2', 'laptop']) expect(once(h).last, h).toMatchObject({ result: 'changed', applied: c3 });
  }, 300_000);
});
