// Trust through GnuPG: trust.gpgKeyring names a file of public keys; commits
// signed by one of them are applied, commits signed by another key are not.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { GIT_ENV } from '../helpers/fleet.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { createOrigin } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

const hasGpg = runs('gpg');
const homes: string[] = [];

function gpgHome(dir: string, name: string): string {
  const home = path.join(dir, `gnupg-${name}`);
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', `${name} <${name}@example.invalid>`, 'ed25519', 'sign', 'never'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
  homes.push(home);
  return home;
}

/** Commit `files` in the origin's working clone, signed with the key in `home`, and push. */
function gpgCommit(work: string, home: string, name: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(work, rel), content);
  const env = { ...process.env, ...GIT_ENV, GNUPGHOME: home };
  execFileSync('git', ['add', '-A'], { cwd: work, env });
  execFileSync('git', ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${name}@example.invalid`, 'commit', '-S', '-q', '--allow-empty', '-m', `signed by ${name}`], { cwd: work, env });
  execFileSync('git', ['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: work, env });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: work, encoding: 'utf8' }).trim();
}

describeWith(hasGpg)('trust through a GnuPG keyring', () => {
  beforeAll(() => requireComponent(hasGpg, 'gpg', 'apt-get install gnupg'));
  afterEach(() => {
    // Signing started a gpg-agent per home: stop them.
    for (const home of homes.splice(0)) execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
  });

  it('applies commits signed by a key in the keyring and rejects others', () => {
    const dir = tempDir();
    const alice = gpgHome(dir, 'alice');
    const eve = gpgHome(dir, 'eve');
    const keyring = path.join(dir, 'trusted.asc');
    writeFileSync(keyring, execFileSync('gpg', ['--batch', '--armor', '--export', 'alice@example.invalid'], { env: { ...process.env, GNUPGHOME: alice } }));
    const origin = createOrigin(dir, smallFleet(), null);
    const signed = gpgCommit(origin.work, alice, 'alice', {});
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, extra: { trust: { gpgKeyring: keyring } } });

    const first = agentOnce(config);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`web: applied ${signed.slice(0, 7)} (3 changed)`);
    expect(origin.statusOf('web').signer).toContain('alice <alice@example.invalid>');

    const byEve = gpgCommit(origin.work, eve, 'eve', greeting('eve'));
    const second = agentOnce(config);
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toContain(`web: rejected ${byEve.slice(0, 7)} (unknown key)`);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');
  });
});
