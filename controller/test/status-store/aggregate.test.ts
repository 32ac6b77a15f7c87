// The aggregator against Azurite and a real bare remote: one signed commit
// with every changed report and an event list, nothing when nothing changed,
// the checkpoint in the commit itself (so a killed aggregator loses nothing and
// commits nothing twice: looped and counted), shards past a size with an index
// that `converge status` reads, and one winner of two aggregators racing for
// the lease.
import { beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describeWith } from '../helpers/components.js';
import { azuriteAvailable } from '../helpers/azurite.js';
import type { Azurite } from '../helpers/azurite.js';
import { CONVERGE_BIN } from '../helpers/cli.js';
import { git } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { hostConfig, keyConfig, makeContainer, report, simHost, sshKey, azuriteForFile } from './support/store.js';
import type { SimHost } from './support/store.js';
import type { StatusStoreConfig } from '../../src/agent/status-config.js';
import { openContainer } from '../../src/report/blob-client.js';
import { AggregateBranch } from '../../src/report/aggregate/commit.js';
import { aggregateOnce } from '../../src/report/aggregate/run.js';
import { acquireLease } from '../../src/report/aggregate/lease.js';
import { StatusBranch } from '../../src/report/status-branch.js';
import { Outbox } from '../../src/report/outbox.js';
import { readFleetStatus } from '../../src/report/status-read.js';
import { parseIndex, shardOf } from '../../src/report/status-paths.js';

let azurite: Azurite;

interface Setup {
  remote: string;
  config: StatusStoreConfig;
  hosts: SimHost[];
  branch: AggregateBranch;
  allowedSigners: string;
  /** Each host's key pair, when the hosts sign (setup's `signed`). */
  keys: Record<string, { key: string; pub: string }>;
}

/** The fleet branch `main` on `remote`, declaring each host's agentKey in hosts/<host>/host.yml. */
function fleetBranch(remote: string, agentKeys: Record<string, string>): void {
  const work = tempDir();
  git(work, 'init', '-q', '-b', 'main');
  for (const [host, pub] of Object.entries(agentKeys)) {
    mkdirSync(path.join(work, 'hosts', host), { recursive: true });
    writeFileSync(path.join(work, 'hosts', host, 'host.yml'), `agentKey: ${pub}\n`);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'fleet');
  git(work, 'push', '-q', remote, 'main');
}

/**
 * A container, a bare remote and an aggregator; with `signed`, every host and
 * `signed`'s extra names get a key, the hosts sign their reports with
 * `signWith[host]`'s key (default their own; null: unsigned) and main declares
 * each one's own key as its agentKey.
 */
async function setup(container: string, names: string[], extra: Partial<StatusStoreConfig> = {}, signed?: { extra?: string[]; signWith?: Record<string, string | null> }): Promise<Setup> {
  await makeContainer(azurite, container);
  const dir = tempDir();
  const remote = path.join(dir, 'fleet.git');
  git(dir, 'init', '-q', '--bare', remote);
  const { key, pub } = sshKey(dir, 'aggregator');
  const allowedSigners = path.join(dir, 'allowed_signers');
  writeFileSync(allowedSigners, `converge@aggregator ${pub}\n`);
  const config = keyConfig(azurite, container, dir, { signingKey: key, ...extra });
  const keys = Object.fromEntries(signed ? [...names, ...(signed.extra ?? [])].map((n) => [n, sshKey(dir, `${n}-key`)]) : []);
  if (signed) fleetBranch(remote, Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, k.pub])));
  const signingKey = (n: string) => {
    const by = signed?.signWith && n in signed.signWith ? signed.signWith[n] : n;
    return signed && by ? { signingKey: keys[by]!.key } : {};
  };
  const hosts = await Promise.all(names.map((n) => simHost(path.join(dir, n), hostConfig(azurite, container, n, dir, signingKey(n)), n)));
  const branch = await AggregateBranch.open(path.join(dir, 'work'), { url: `file://${remote}`, branch: 'status', signingKey: key, shardAbove: config.shardAbove });
  return { remote, config, hosts, branch, allowedSigners, keys };
}

const pass = async (s: Setup) => aggregateOnce(await openContainer(s.config), s.branch);
const log = (remote: string, format = '%B') => git(remote, 'log', `--format=${format}`, 'status');

describeWith(azuriteAvailable())('the status aggregator', () => {
  const store = azuriteForFile();
  beforeAll(() => {
    azurite = store();
  });

  it('commits every changed report in one signed commit listing the events, then nothing until a report changes', async () => {
    const s = await setup('one-commit', ['atom', 'motoko', 'wintermute']);
    const [atom, motoko, wintermute] = s.hosts as [SimHost, SimHost, SimHost];
    await report(motoko);
    await report(motoko, 'drifted');
    await report(atom);
    await report(wintermute, 'failed');
    const r = await pass(s);
    expect(r).toMatchObject({ hosts: 3, events: 4, fleet: 3 });
    expect(log(s.remote, '%s')).toBe('atom: report 1 (changed); motoko: report 1 (changed); motoko: report 2 (drifted); wintermute: report 1 (failed)\n');
    expect(log(s.remote)).toContain('3 hosts, 4 events:\natom: report 1 (changed)\nmotoko: report 1 (changed)\nmotoko: report 2 (drifted)\nwintermute: report 1 (failed)\n');
    git(s.remote, '-c', `gpg.ssh.allowedSignersFile=${s.allowedSigners}`, 'verify-commit', 'status');
    expect(git(s.remote, 'ls-tree', '-r', '--name-only', 'status').split('\n').filter(Boolean)).toEqual([
      'state/atom/STATUS.md', 'state/atom/status.json', 'state/index.json', 'state/motoko/STATUS.md', 'state/motoko/status.json', 'state/wintermute/STATUS.md', 'state/wintermute/status.json',
    ]);
    expect((await pass(s)).commit).toBeNull();
    expect(log(s.remote, '%h').trim().split('\n')).toHaveLength(1);
    await report(atom, 'converged');
    expect(await pass(s)).toMatchObject({ hosts: 1, events: 1 });
    expect(log(s.remote, '%s').split('\n')[0]).toBe('atom: report 2 (converged)');
    const fleet = await readFleetStatus({ url: `file://${s.remote}`, branch: 'main', statusBranch: 'status' });
    expect(fleet.hosts.map((h) => [h.host, h.result])).toEqual([['atom', 'converged'], ['motoko', 'drifted'], ['wintermute', 'failed']]);
  });

  it('killed at random points and restarted, in a loop while hosts keep writing: every event is committed exactly once', async () => {
    const names = ['h1', 'h2', 'h3', 'h4'];
    const s = await setup('killed', names);
    const dir = tempDir();
    const configFile = path.join(dir, 'config.yml');
    writeFileSync(configFile, stringify({ host: 'aggregator', repo: `file://${s.remote}`, stateDir: path.join(dir, 'state'), trust: { allowUnsigned: true }, status: s.config }));
    const written: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        written.push(await report(s.hosts[i % names.length]!));
      }
    })();
    let killed = 0;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [CONVERGE_BIN, 'status', 'aggregate', '--once', '--config', configFile, '--log-level', 'silent'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 150 + Math.random() * 1200);
      const code = await exited;
      clearTimeout(timer);
      if (code === null) killed++;
    }
    writing = false;
    await writer;
    await pass(s); // the last pass, not killed: everything written so far is then on the branch
    const events = log(s.remote, '%b').split('\n').filter((l) => /^h\d: report \d+ \(\w+\)$/.test(l));
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e, (counts.get(e) ?? 0) + 1);
    expect(killed).toBeGreaterThan(0);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect(written.filter((e) => !counts.has(e))).toEqual([]);
    expect(events.length).toBe(written.length);
  });

  it('past shardAbove hosts: state/_<shard>/<host>/ and state/index.json, which converge status reads, verified, beside a host that pushes directly', async () => {
    const s = await setup('sharded', ['armitage', 'atom', 'motoko'], { shardAbove: 2 }, { extra: ['count-zero'] });
    for (const h of s.hosts) await report(h);
    // count-zero still pushes straight to the status branch, signing its commits (a fleet part-way through switching).
    const outbox = await Outbox.open(tempDir());
    const doc = { version: 1, host: 'count-zero', reportId: 'cz-1', result: 'converged', event: 'count-zero: converged', endedAt: new Date().toISOString(), applied: null };
    await outbox.add({ id: 'cz-1', statusJson: JSON.stringify(doc), statusMarkdown: '# count-zero\n', message: 'count-zero: converged\n', at: doc.endedAt });
    await (await StatusBranch.open(tempDir(), { url: `file://${s.remote}`, branch: 'status', host: 'count-zero', signingKey: s.keys['count-zero']!.key })).deliver(await outbox.list(), async () => undefined);
    await pass(s);
    const files = git(s.remote, 'ls-tree', '-r', '--name-only', 'status').split('\n').filter((f) => f.endsWith('status.json'));
    expect(files.sort()).toEqual([`state/${shardOf('armitage')}/armitage/status.json`, `state/${shardOf('atom')}/atom/status.json`, `state/${shardOf('motoko')}/motoko/status.json`, 'state/count-zero/status.json'].sort());
    const index = parseIndex(git(s.remote, 'show', 'status:state/index.json'))!;
    expect(index.sharded).toBe(true);
    expect(Object.keys(index.hosts)).toEqual(['armitage', 'atom', 'motoko']);
    const fleet = await readFleetStatus({ url: `file://${s.remote}`, branch: 'main', statusBranch: 'status' });
    // The aggregated three by their status.json.sig (the commit is the aggregator's), count-zero by its signed commit.
    expect(fleet.hosts.map((h) => [h.host, h.verified, h.reason])).toEqual([['armitage', true, null], ['atom', true, null], ['count-zero', true, null], ['motoko', true, null]]);
  });

  it('an aggregated report whose status.json.sig is another host\'s, or missing, or over other bytes is unverified; the aggregator\'s commit never vouches for a host', async () => {
    const s = await setup('forged-sig', ['atom', 'motoko', 'wintermute', 'armitage'], {}, { signWith: { atom: 'motoko', wintermute: null } });
    for (const h of s.hosts) await report(h);
    await pass(s);
    const read = async () => Object.fromEntries((await readFleetStatus({ url: `file://${s.remote}`, branch: 'main', statusBranch: 'status' })).hosts.map((h) => [h.host, [h.verified, h.reason]]));
    const before = await read();
    expect(before.motoko).toEqual([true, null]);
    expect(before.armitage).toEqual([true, null]);
    expect(before.atom![0]).toBe(false);
    expect(before.atom![1]).toMatch(/^status\.json\.sig is not atom's agentKey signature of this status\.json; the last change \([0-9a-f]{7}\) is signed by a key that is not atom's agentKey$/);
    expect(before.wintermute![0]).toBe(false);
    expect(before.wintermute![1]).toMatch(/^the last change \([0-9a-f]{7}\) is signed by a key that is not wintermute's agentKey$/);
    // armitage's valid signature, kept beside changed bytes, no longer vouches for them.
    const work = tempDir();
    git(work, 'clone', '-q', '-b', 'status', s.remote, '.');
    const file = path.join(work, 'state/armitage/status.json');
    writeFileSync(file, git(work, 'show', 'HEAD:state/armitage/status.json').replace('"changed"', '"converged"'));
    git(work, 'commit', '-qam', 'edited');
    git(work, 'push', '-q', 'origin', 'status');
    const after = await read();
    expect(after.armitage![0]).toBe(false);
    expect(after.armitage![1]).toMatch(/^status\.json\.sig is not armitage's agentKey signature of this status\.json; the last change \([0-9a-f]{7}\) is unsigned$/);
    expect(after.motoko).toEqual([true, null]);
  });

  it('a report placed in another host\'s folder is not shown as that host', async () => {
    const s = await setup('misplaced', ['atom', 'motoko'], {}, {});
    for (const h of s.hosts) await report(h);
    await pass(s);
    const work = tempDir();
    git(work, 'clone', '-q', '-b', 'status', s.remote, '.');
    // motoko's own, validly signed report and signature, copied into atom's folder.
    for (const f of ['status.json', 'status.json.sig']) writeFileSync(path.join(work, 'state/atom', f), git(work, 'show', `HEAD:state/motoko/${f}`));
    git(work, 'commit', '-qam', 'forged');
    git(work, 'push', '-q', 'origin', 'status');
    const fleet = await readFleetStatus({ url: `file://${s.remote}`, branch: 'main', statusBranch: 'status' });
    expect(fleet.hosts.map((h) => [h.host, h.verified])).toEqual([['atom', false], ['motoko', true]]);
    expect(fleet.hosts[0]!.reason).toMatch(/^status\.json names another host \(motoko\); status\.json\.sig is not atom's agentKey signature/);
    expect(fleet.hosts[0]!.result).toBe('changed');
  });

  it('two aggregators racing for the lease: one wins each round; run as commands, one commits and the other stands aside', async () => {
    const s = await setup('lease', ['atom']);
    const container = await openContainer(s.config);
    for (let round = 0; round < 10; round++) {
      const leases = await Promise.all([acquireLease(container, 15), acquireLease(container, 15)]);
      expect(leases.filter(Boolean)).toHaveLength(1);
      await leases.find(Boolean)!.release();
    }
    await report(s.hosts[0]!);
    const dir = tempDir();
    const configFile = path.join(dir, 'config.yml');
    writeFileSync(configFile, stringify({ host: 'aggregator', repo: `file://${s.remote}`, stateDir: path.join(dir, 'state'), trust: { allowUnsigned: true }, status: s.config }));
    const run = (workDir: string) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [CONVERGE_BIN, 'status', 'aggregate', '--once', '--lease', '--config', configFile, '--work-dir', workDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.once('exit', () => resolve(out));
      });
    // The lease is held for the whole pass, so the slower of two processes finds it taken or the work done.
    const outs = await Promise.all([run(path.join(dir, 'a')), run(path.join(dir, 'b'))]);
    expect(outs.filter((o) => o.startsWith('committed'))).toHaveLength(1);
    expect(log(s.remote, '%s').trim().split('\n')).toEqual(['atom: report 1 (changed)']);
  });
});
