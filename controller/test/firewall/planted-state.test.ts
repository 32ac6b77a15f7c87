// A local user (a real uid, through setpriv) who got to create converge's
// state folder first (a --state-dir under /tmp) writes the file where converge
// keeps the firewall sections it loaded last, and plants a link where the
// rules file goes. Converge (root, real nft in a network namespace of this
// test's own) must load none of the user's rules and write nothing through
// the link.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { CONVERGE_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { asUser, CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, present, requireComponent } from '../helpers/components.js';

const available = CAN_ACT_AS_USER && present('/usr/sbin/nft') && (present('/usr/sbin/ip') || present('/sbin/ip') || present('/usr/bin/ip'));
const ns = `conv-fw-plant-${process.pid}`;

function sh(...args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describeWith(available)('a local user\'s files in the firewall state folder', () => {
  beforeAll(() => {
    requireComponent(available, 'root, setpriv, nft and ip (network namespaces)', 'run as root; apt-get install nftables iproute2 (.ci/run does)');
    sh('ip', 'netns', 'add', ns);
  });
  afterAll(() => void spawnSync('ip', ['netns', 'del', ns]));

  it('loads no rule from a state folder a user controls, writes no rules file through the user\'s link, and says which folder', () => {
    const uid = testUid();
    const parent = tempDir();
    chmodSync(parent, 0o1777); // as /tmp: anyone may create a folder in it
    const state = path.join(parent, 'converge-state');
    asUser(uid, 'mkdir', '-p', path.join(state, 'firewall'));
    const injected = '    tcp dport 2222 accept comment "planted by uid ' + uid + '"\n';
    writeFileSync(path.join(parent, 'planted.json'), JSON.stringify({ sections: { backdoor: injected }, live: {} }));
    asUser(uid, 'cp', path.join(parent, 'planted.json'), path.join(state, 'firewall/nftables.json'));
    const victim = path.join(parent, 'victim');
    writeFileSync(victim, 'root-owned\n', { mode: 0o644 });
    asUser(uid, 'ln', '-s', victim, path.join(state, 'firewall/nftables.rules'));

    const fleet = createFleet({ 'hosts/box/host.yml': 'os: linux\n', 'hosts/box/firewall.yml': 'resources:\n  - firewall: dashboard\n    port: 19999\n    from: [100.64.0.0/10]\n' });
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, CONVERGE_BIN, 'apply', '--json', '--repo', fleet.dir, '--host', 'box', '--state-dir', state], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    const report = JSON.parse(r.stdout) as { resources: { id: string; status: string; error?: string }[] };
    const fw = report.resources.find((x) => x.id === 'firewall:dashboard')!;
    expect(r.status).toBe(1);
    expect(fw.status).toBe('failed');
    expect(fw.error).toContain(`refusing ${state}: uid ${uid} controls it`);
    const ruleset = sh('ip', 'netns', 'exec', ns, 'nft', 'list', 'ruleset');
    expect(ruleset).not.toContain('2222');
    expect(ruleset).not.toContain('table inet converge');
    expect(readFileSync(victim, 'utf8')).toBe('root-owned\n');
  });
});
