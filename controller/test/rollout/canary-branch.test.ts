// Canary work on a host's own testing branch (branch: in host.yml, as comin's
// testing branches): the host follows testing-<host> while it descends from
// the fleet branch; a testing head that does not contain the fleet head is
// refused and reported, and the last good state stays; dropping branch:
// brings the host back to the fleet branch.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { allowedSigners, createOrigin, git, publicKey, sshKey } from '../agent/support/origin.js';
import type { SigningKey } from '../agent/support/origin.js';
import { agentOnce, writeConfig } from '../agent/support/agent.js';

const motd = (text: string) => `resources:\n  - file: /etc/motd\n    content: "${text}\\n"\n`;

function commitOn(work: string, branch: string, key: SigningKey, files: Record<string, string>, message: string): string {
  git(work, 'checkout', '-q', branch);
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(work, rel), content);
  git(work, 'add', '-A');
  git(work, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.key}`, 'commit', '-S', '-q', '--allow-empty', '-m', message);
  git(work, 'push', '-q', '--force', 'origin', `HEAD:refs/heads/${branch}`);
  const sha = git(work, 'rev-parse', 'HEAD').trim();
  git(work, 'checkout', '-q', 'main');
  return sha;
}

describe('canary branches', () => {
  it('follow testing-<host> while it descends from the fleet branch, refuse it otherwise, and return when branch: goes', () => {
    const dir = tempDir();
    const key = sshKey(dir, 'alice');
    const signers = allowedSigners(path.join(dir, 'allowed'), [key]);
    // The device signs its reports with its own key, declared in its host.yml.
    const device = sshKey(dir, 'device-can');
    const hostYml = (extra = '') => `os: linux\nagentKey: ${publicKey(device)}\n${extra}`;
    const origin = createOrigin(dir, { 'hosts/can/host.yml': hostYml(), 'hosts/can/motd.yml': motd('main 0') }, key);
    const { config, root } = writeConfig({ host: 'can', repo: origin.url, dir, allowedSigners: signers, extra: { signingKey: device.key } });
    const motdNow = () => readFileSync(path.join(root, 'etc/motd'), 'utf8');
    const run = () => {
      const r = agentOnce(config);
      return { ...r, last: origin.statusOf('can') as { applied: string; result: string } };
    };
    expect(run().exitCode).toBe(0);

    // The fleet branch sends the host to its testing branch, which carries one more commit.
    const c1 = origin.commit({ 'hosts/can/host.yml': hostYml('branch: testing-can\n') }, { message: 'can: follow testing-can' });
    git(origin.work, 'branch', '-q', '-f', 'testing-can', c1);
    const t1 = commitOn(origin.work, 'testing-can', key, { 'hosts/can/motd.yml': motd('testing 1') }, 'try motd');
    expect(run().last).toMatchObject({ applied: t1, result: 'changed' });
    expect(motdNow()).toBe('testing 1\n');
    // Polling again: nothing new.
    const quiet = run();
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.last.applied).toBe(t1);

    // The fleet branch moves on; the testing branch does not contain it: refused and reported, last good stays.
    const c2 = origin.commit({ 'hosts/other.txt': 'x\n' }, { message: 'unrelated' });
    const t2 = commitOn(origin.work, 'testing-can', key, { 'hosts/can/motd.yml': motd('testing 2') }, 'try motd 2');
    const refused = run();
    expect(refused.exitCode).toBe(1);
    expect(origin.statusLog()).toContain(`can: rejected ${t2.slice(0, 7)} (not a descendant)`);
    expect(refused.last.applied).toBe(t1);
    expect(motdNow()).toBe('testing 1\n');

    // Merging the fleet branch in makes it acceptable again.
    git(origin.work, 'checkout', '-q', 'testing-can');
    git(origin.work, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.key}`, 'merge', '-S', '-q', '--no-edit', c2);
    git(origin.work, 'push', '-q', 'origin', 'HEAD:refs/heads/testing-can');
    const t3 = git(origin.work, 'rev-parse', 'HEAD').trim();
    git(origin.work, 'checkout', '-q', 'main');
    expect(run().last).toMatchObject({ applied: t3 });
    expect(motdNow()).toBe('testing 2\n');

    // The canary work is done: branch: goes, the host follows the fleet branch again.
    const c3 = origin.commit({ 'hosts/can/host.yml': hostYml(), 'hosts/can/motd.yml': motd('main 3') }, { message: 'back to main' });
    expect(run().last).toMatchObject({ applied: c3 });
    expect(motdNow()).toBe('main 3\n');
  });
});
