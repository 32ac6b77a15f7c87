// Trust through GnuPG: trust.gpgKeyring names a file of public keys; commits
// signed by one of them (or a signing subkey) are applied, commits signed by
// another key, an expired or a revoked one are not. With only SSH signers
// configured, an OpenPGP signature never counts, whatever the agent's own
// ~/.gnupg holds (finding 4).
import { afterEach, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { GIT_ENV } from '../helpers/fleet.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { allowedSigners, createOrigin, sshKey } from './support/origin.js';
import { agentOnce, writeConfig } from './support/agent.js';
import { greeting, smallFleet } from './support/fleet-files.js';

const hasGpg = runs('gpg');
const homes: string[] = [];

/** A GnuPG home with a fresh key for `name`; `faked` makes it at that time (gpg's --faked-system-time), `expires` like 1y. */
function gpgHome(dir: string, name: string, options: { faked?: string; expires?: string; home?: string } = {}): string {
  const home = options.home ?? path.join(dir, `gnupg-${name}`);
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  const faked = options.faked ? ['--faked-system-time', options.faked] : [];
  execFileSync('gpg', ['--batch', '--quiet', ...faked, '--passphrase', '', '--quick-gen-key', `${name} <${name}@example.invalid>`, 'ed25519', 'sign', options.expires ?? 'never'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
  homes.push(home);
  return home;
}

const fingerprintOf = (home: string, name: string) =>
  /^fpr:+([0-9A-F]+):/m.exec(execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint', `${name}@example.invalid`], { env: { ...process.env, GNUPGHOME: home }, encoding: 'utf8' }))![1]!;

const exportKey = (home: string, name: string, file: string) =>
  writeFileSync(file, execFileSync('gpg', ['--batch', '--armor', '--export', `${name}@example.invalid`], { env: { ...process.env, GNUPGHOME: home } }));

/** Commit `files` in the origin's working clone, signed with the key in `home` (or `signingKey`), and push. */
function gpgCommit(work: string, home: string, name: string, files: Record<string, string>, options: { signingKey?: string; gpgProgram?: string } = {}): string {
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(work, rel), content);
  const env = { ...process.env, ...GIT_ENV, GNUPGHOME: home };
  execFileSync('git', ['add', '-A'], { cwd: work, env });
  const program = options.gpgProgram ? ['-c', `gpg.program=${options.gpgProgram}`] : [];
  execFileSync('git', ['-c', 'gpg.format=openpgp', ...program, '-c', `user.signingkey=${options.signingKey ?? `${name}@example.invalid`}`, 'commit', '-S', '-q', '--allow-empty', '-m', `signed by ${name}`], { cwd: work, env });
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

  it('with only SSH signers, an OpenPGP signature by a key in the agent\'s own ~/.gnupg is rejected (finding 4)', () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    // The agent's HOME holds somebody's key in its personal keyring; whoever holds that key signs a commit.
    const personal = gpgHome(dir, 'someone', { home: path.join(home, '.gnupg') });
    const alice = sshKey(dir, 'alice');
    const origin = createOrigin(dir, smallFleet(), alice);
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, allowedSigners: allowedSigners(path.join(dir, 'allowed'), [alice]) });
    const env = { HOME: home, GNUPGHOME: personal };
    expect(agentOnce(config, env).exitCode).toBe(0);
    const byGpg = gpgCommit(origin.work, personal, 'someone', greeting('gpg-signed-by-non-allowed'));
    const r = agentOnce(config, env);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`web: rejected ${byGpg.slice(0, 7)} (unknown key)`);
    expect(origin.statusOf('web').errors).toEqual([expect.stringContaining('an OpenPGP signature; only SSH signatures (trust.allowedSigners) count here')]);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');
  });

  it('applies a signing subkey, and rejects a key that has expired (though the signature claims an older date) or was revoked', () => {
    const dir = tempDir();
    const alice = gpgHome(dir, 'alice');
    const aliceFpr = fingerprintOf(alice, 'alice');
    execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-add-key', aliceFpr, 'ed25519', 'sign', 'never'], { env: { ...process.env, GNUPGHOME: alice }, stdio: 'ignore' });
    const subkey = [...execFileSync('gpg', ['--batch', '--with-colons', '--list-keys', aliceFpr], { env: { ...process.env, GNUPGHOME: alice }, encoding: 'utf8' }).matchAll(/^fpr:+([0-9A-F]+):/gm)][1]![1]!;
    // A key made in 2019 that expired in 2020; a wrapper signs as if it were still 2019.
    const old = gpgHome(dir, 'old', { faked: '20190101T000000', expires: '1y' });
    const backInTime = path.join(dir, 'gpg-2019');
    writeFileSync(backInTime, '#!/bin/sh\nexec gpg --faked-system-time 20190601T000000 "$@"\n', { mode: 0o755 });
    const gone = gpgHome(dir, 'gone');
    const keyring = path.join(dir, 'trusted.asc');
    for (const [home, name] of [[alice, 'alice'], [old, 'old'], [gone, 'gone']] as const) exportKey(home, name, path.join(dir, `${name}.asc`));
    const origin = createOrigin(dir, smallFleet(), null);
    const bySubkey = gpgCommit(origin.work, alice, 'alice', {}, { signingKey: `${subkey}!` });
    const { config, root } = writeConfig({ host: 'web', repo: origin.url, dir, extra: { trust: { gpgKeyring: keyring } } });
    writeFileSync(keyring, ['alice', 'old', 'gone'].map((n) => readFileSync(path.join(dir, `${n}.asc`), 'utf8')).join(''));
    const first = agentOnce(config);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`web: applied ${bySubkey.slice(0, 7)} (3 changed)`);

    const expired = gpgCommit(origin.work, old, 'old', greeting('expired'), { gpgProgram: backInTime });
    const second = agentOnce(config);
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toContain(`web: rejected ${expired.slice(0, 7)} (expired key)`);

    // gone signs, then revokes its key; the keyring the agent trusts is updated with the revocation.
    origin.forcePush(bySubkey);
    const revoked = gpgCommit(origin.work, gone, 'gone', greeting('revoked'));
    const fpr = fingerprintOf(gone, 'gone');
    const cert = readFileSync(path.join(gone, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8').replace(/^:-----BEGIN/m, '-----BEGIN');
    execFileSync('gpg', ['--batch', '--quiet', '--import'], { input: cert, env: { ...process.env, GNUPGHOME: gone }, stdio: ['pipe', 'ignore', 'ignore'] });
    exportKey(gone, 'gone', path.join(dir, 'gone.asc'));
    writeFileSync(keyring, ['alice', 'old', 'gone'].map((n) => readFileSync(path.join(dir, `${n}.asc`), 'utf8')).join(''));
    const third = agentOnce(config);
    expect(third.exitCode).toBe(1);
    expect(third.stdout).toContain(`web: rejected ${revoked.slice(0, 7)} (revoked key)`);
    expect(readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('greeting = hello\nhost = web\n');
  });
});
