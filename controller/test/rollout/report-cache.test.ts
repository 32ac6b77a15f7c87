// A waiting agent reads the status branch at every poll: the reader keeps its
// repository and what it verified, so a read after one host pushed checks that
// one report, not the fleet. Counted as real ssh-keygen runs (a wrapper on
// PATH that counts `-Y verify` and runs the real one). The cache never lets a
// changed report through: a forged push between two reads is refused, and a
// host whose agentKey changed on the fleet branch is verified again.
import { describe, expect, it, onTestFinished } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { blob, pushState, stateAt } from '../helpers/hostile-status.js';
import { createOrigin, publicKey, sshKey } from '../agent/support/origin.js';
import { statusBranchReports } from '../../src/report/report-source.js';

const doc = (host: string, event = `${host}: in sync`) => JSON.stringify({ host, endedAt: '2026-03-01T10:00:00Z', result: 'converged', event, applied: 'c'.repeat(40), errors: [], resources: [] });
const hostYml = (key: string) => `os: linux\nagentKey: ${key}\n`;

/** Put a counting ssh-keygen first on PATH for this test; returns the `-Y verify` runs since the last call. */
function countVerifies(dir: string): () => number {
  const bin = path.join(dir, 'bin');
  const counter = path.join(dir, 'verifies');
  mkdirSync(bin);
  const real = execFileSync('sh', ['-c', 'command -v ssh-keygen'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(bin, 'ssh-keygen'), `#!/bin/sh\n[ "$1" = "-Y" ] && [ "$2" = "verify" ] && echo verify >> '${counter}'\nexec '${real}' "$@"\n`);
  chmodSync(path.join(bin, 'ssh-keygen'), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  onTestFinished(() => {
    process.env.PATH = saved;
  });
  return () => {
    let n = 0;
    try {
      n = readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      // none yet
    }
    writeFileSync(counter, '');
    return n;
  };
}

describe('status-branch reader between reads', () => {
  it('checks only the report that changed, and still refuses a forgery pushed between two reads', async () => {
    const dir = tempDir();
    const keys = { canary: sshKey(dir, 'canary'), s1: sshKey(dir, 's1'), s2: sshKey(dir, 's2') };
    const origin = createOrigin(dir, Object.fromEntries(Object.entries(keys).map(([h, k]) => [`hosts/${h}/host.yml`, hostYml(publicKey(k))])), null);
    const folders: [string, string][] = [];
    for (const host of ['canary', 's1', 's2'] as const) {
      folders.push([host, blob(origin.bare, doc(host))]);
      pushState(origin.bare, folders, { signingKey: keys[host].key });
    }
    const source = statusBranchReports({ url: origin.url, branch: 'main', statusBranch: 'status', dir: path.join(dir, 'cache') });
    const verifies = countVerifies(dir);
    const first = await source.read();
    expect(first.reports.map((r) => [r.host, r.verified])).toEqual([['canary', true], ['s1', true], ['s2', true]]);
    expect(verifies()).toBe(3);

    // s1 pushes a new report of its own: one signature checked, the others taken from the last read.
    const s1Push = () => stateAt(origin.bare).map(([h, id]): [string, string] => [h, h === 's1' ? blob(origin.bare, doc('s1', `s1: ${Math.random()}`)) : id]);
    const pushed = pushState(origin.bare, s1Push(), { signingKey: keys.s1.key });
    const second = await source.read();
    expect(second.statusCommit).toBe(pushed);
    expect(second.reports.map((r) => [r.host, r.verified])).toEqual([['canary', true], ['s1', true], ['s2', true]]);
    expect(second.reports.find((r) => r.host === 's1')?.doc?.event).not.toBe(first.reports.find((r) => r.host === 's1')?.doc?.event);
    expect(verifies()).toBe(1);

    // s2 rewrites the canary's report, signed with its own key: a new commit and blob for the canary's folder, so checked, and refused.
    const forged = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'canary' ? blob(origin.bare, doc('canary', 'canary: forged')) : id]), { signingKey: keys.s2.key });
    const third = await source.read();
    expect(third.reports.find((r) => r.host === 'canary')).toMatchObject({ verified: false, reason: `the last change (${forged.slice(0, 7)}) is signed by a key that is not canary's agentKey` });
    expect(third.reports.filter((r) => r.verified).map((r) => r.host)).toEqual(['s1', 's2']);
    expect(verifies()).toBeGreaterThanOrEqual(1);

    // Unsigned, the same forgery is refused too (no signature to check, nothing taken from the cache).
    const unsigned = pushState(origin.bare, stateAt(origin.bare).map(([h, id]) => [h, h === 'canary' ? blob(origin.bare, doc('canary', 'canary: forged again')) : id]));
    const fourth = await source.read();
    expect(fourth.reports.find((r) => r.host === 'canary')).toMatchObject({ verified: false, reason: `the last change (${unsigned.slice(0, 7)}) is unsigned` });

    // One repository kept between reads, not one per read.
    expect(readdirSync(path.join(dir, 'cache'))).toEqual(['repo']);
  });

  it('verifies a host again when its agentKey changes on the fleet branch', async () => {
    const dir = tempDir();
    const keys = { canary: sshKey(dir, 'canary'), s1: sshKey(dir, 's1') };
    const origin = createOrigin(dir, Object.fromEntries(Object.entries(keys).map(([h, k]) => [`hosts/${h}/host.yml`, hostYml(publicKey(k))])), null);
    const folders: [string, string][] = [];
    for (const host of ['canary', 's1'] as const) {
      folders.push([host, blob(origin.bare, doc(host))]);
      pushState(origin.bare, folders, { signingKey: keys[host].key });
    }
    const source = statusBranchReports({ url: origin.url, branch: 'main', statusBranch: 'status', dir: path.join(dir, 'cache') });
    const verifies = countVerifies(dir);
    expect((await source.read()).reports.map((r) => [r.host, r.verified])).toEqual([['canary', true], ['s1', true]]);
    expect(verifies()).toBe(2);

    // The canary's key is replaced (the device was lost): its report, signed by the old key, is no longer its own.
    const replacement = sshKey(dir, 'canary-new');
    origin.commit({ 'hosts/canary/host.yml': hostYml(publicKey(replacement)) });
    const after = await source.read();
    expect(after.reports.find((r) => r.host === 'canary')).toMatchObject({ verified: false });
    expect(after.reports.find((r) => r.host === 's1')).toMatchObject({ verified: true });
    expect(verifies()).toBeGreaterThanOrEqual(1);

    // The old key is declared again: checked again, and its own once more.
    origin.commit({ 'hosts/canary/host.yml': hostYml(publicKey(keys.canary)) });
    expect((await source.read()).reports.map((r) => [r.host, r.verified])).toEqual([['canary', true], ['s1', true]]);
    expect(verifies()).toBe(1);
  });
});
