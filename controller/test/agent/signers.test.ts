// Only the configured signers decide (security review findings 4, 5, 15):
// validity of an SSH key is judged by the agent's clock, not the commit's
// date; a key limited to another namespace is named as such; a refused commit
// stays refused however many other refusals come after it.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createOrigin, git, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

const key = (file: string) => readFileSync(file, 'utf8').trim();

describe('signers', () => {
  it('rejects a backdated commit from an expired key and names a key limited to another namespace (findings 5)', () => {
    const dir = tempDir();
    const alice = sshKey(dir, 'alice');
    const retired = sshKey(dir, 'retired');
    const filesOnly = sshKey(dir, 'files');
    const allowed = path.join(dir, 'allowed');
    writeFileSync(
      allowed,
      [
        `alice@example.invalid namespaces="git" ${key(alice.pub)}`,
        `retired@example.invalid namespaces="git",valid-before="20200101" ${key(retired.pub)}`,
        `files@example.invalid namespaces="file" ${key(filesOnly.pub)}`,
        '',
      ].join('\n'),
    );
    const origin = createOrigin(dir, smallFleet(), alice);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowed });
    expect(agentOnce(config).exitCode).toBe(0);

    // The retired key signs a commit that claims to be from 2019, when the key was still valid.
    process.env.GIT_COMMITTER_DATE = '2019-06-01T00:00:00Z';
    process.env.GIT_AUTHOR_DATE = '2019-06-01T00:00:00Z';
    let backdated: string;
    try {
      backdated = origin.commit(greeting('from a retired key'), { key: retired });
    } finally {
      delete process.env.GIT_COMMITTER_DATE;
      delete process.env.GIT_AUTHOR_DATE;
    }
    expect(git(origin.work, 'log', '-1', '--format=%ct').trim()).toBe('1559347200');
    const r1 = agentOnce(config);
    expect(r1.exitCode).toBe(1);
    expect(r1.stdout).toContain(`web: rejected ${backdated.slice(0, 7)} (expired key)`);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');

    const wrongNamespace = origin.commit(greeting('files key'), { key: filesOnly });
    const r2 = agentOnce(config);
    expect(r2.exitCode).toBe(1);
    expect(r2.stdout).toContain(`web: rejected ${wrongNamespace.slice(0, 7)} (wrong namespace)`);
    expect(origin.statusOf('web').errors).toEqual([expect.stringContaining('is not allowed to sign "git"')]);

    const good = origin.commit(greeting('good'));
    const r3 = agentOnce(config);
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect(r3.stdout).toContain(`web: applied ${good.slice(0, 7)} (1 changed)`);
    expect(origin.statusOf('web').signer).toMatch(/^alice@example\.invalid SHA256:/);
  });

  it('a refused commit stays refused after more refusals than any count, and across restarts (finding 15)', () => {
    const dir = tempDir();
    const alice = sshKey(dir, 'alice');
    const allowed = path.join(dir, 'allowed');
    writeFileSync(allowed, `alice@example.invalid namespaces="git" ${key(alice.pub)}\n`);
    const origin = createOrigin(dir, smallFleet(), alice);
    const { config } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowed });
    expect(agentOnce(config).exitCode).toBe(0);
    const base = git(origin.work, 'rev-parse', 'HEAD').trim();

    // Signed but invalid: refused once.
    const invalid = origin.commit({ 'hosts/web/app.yml': 'resources:\n  - file: relative/path\n' });
    const first = agentOnce(config);
    expect(first.stdout).toContain(`web: failed ${invalid.slice(0, 7)}`);
    // 21 unsigned pushes, each seen (and refused) by its own run: more than the old memory of 20.
    for (let i = 0; i < 21; i++) {
      origin.forcePush(base);
      origin.commit({ 'noise.txt': `${i}\n` }, { key: null });
      expect(agentOnce(config).stdout).toContain('(unsigned)');
    }
    const before = origin.statusLog().length;
    origin.forcePush(invalid);
    const again = agentOnce(config);
    expect(again.stdout).not.toContain(`failed ${invalid.slice(0, 7)}`);
    expect(origin.statusLog()).toHaveLength(before);
    // 24 agent runs: about 40 s on a quiet machine.
  }, 300_000);
});
