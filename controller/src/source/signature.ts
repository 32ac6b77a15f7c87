// Commit signatures checked by converge itself, not by `git verify-commit`:
// git picks the program by the signature's armor (so an OpenPGP signature
// would be checked against the agent's own keyring) and judges SSH key
// validity at the date the commit claims. Here the kind is checked first and
// an SSH signature is verified with ssh-keygen at a time the caller chooses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../platform/runner.js';

/** The armor a signature comes in. */
export type SignatureKind = 'ssh' | 'openpgp' | 'x509' | 'unknown';

/** A commit object split into what was signed and the signature. */
export interface SignedCommit {
  /** The commit object without its gpgsig header: the bytes the signature covers. */
  payload: string;
  signature: string | null;
  kind: SignatureKind | null;
}

/** Why an SSH signature was not accepted. */
export type SshFailure = 'unknown key' | 'expired key' | 'wrong namespace' | 'bad signature';

export type SshVerdict = { ok: true; principal: string; fingerprint: string } | { ok: false; reason: SshFailure; detail: string };

/** Split a raw commit object (as `git cat-file commit` prints it). */
export function splitSignedCommit(object: string): SignedCommit {
  const end = object.indexOf('\n\n');
  const headerEnd = end === -1 ? object.length : end;
  const lines = object.slice(0, headerEnd).split('\n');
  const kept: string[] = [];
  const sig: string[] = [];
  let inSig = false;
  let count = 0;
  for (const line of lines) {
    // A SHA-1 repository's signature header; gpgsig-sha256 is part of what it signs, as git has it.
    if (line.startsWith('gpgsig ')) {
      count++;
      inSig = true;
      sig.push(line.slice('gpgsig '.length));
      continue;
    }
    if (line.startsWith(' ') && inSig) {
      sig.push(line.slice(1));
      continue;
    }
    inSig = false;
    kept.push(line);
  }
  const payload = kept.join('\n') + object.slice(headerEnd);
  if (sig.length === 0) return { payload, signature: null, kind: null };
  const signature = sig.join('\n') + '\n';
  // Two signature headers is not something git writes: neither is trusted.
  return { payload, signature, kind: count === 1 ? kindOf(signature) : 'unknown' };
}

/** The signature's kind, from its first armor line (as git chooses a program, but without trusting the choice). */
export function kindOf(signature: string): SignatureKind {
  const first = signature.trimStart().split('\n')[0] ?? '';
  if (first === '-----BEGIN SSH SIGNATURE-----') return 'ssh';
  if (first === '-----BEGIN PGP SIGNATURE-----' || first === '-----BEGIN PGP MESSAGE-----') return 'openpgp';
  if (first === '-----BEGIN SIGNED MESSAGE-----') return 'x509';
  return 'unknown';
}

/** ssh-keygen's time format, in UTC (ssh-keygen runs with TZ=UTC). */
export function sshTime(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Verify an SSH signature over `payload` against an allowed-signers file, with
 * key validity (valid-after, valid-before) judged at `at`, not at any date in
 * the payload. `namespace` is the one the signer must have used (git: "git").
 * With `expected`, only that principal counts (and the common case costs one process).
 */
export async function verifySsh(payload: string, signature: string, allowedSigners: string, at: Date, namespace = 'git', expected?: string): Promise<SshVerdict> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'converge-sig-'));
  try {
    const sigFile = path.join(dir, 'sig');
    await writeFile(sigFile, signature, { mode: 0o600 });
    const run = createRunner('linux');
    const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
    const time = `verify-time=${sshTime(at)}`;
    if (expected !== undefined) {
      const direct = await run.run('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', expected, '-n', namespace, '-s', sigFile, '-O', time], { input: payload, env, timeoutMs: 30_000 });
      if (direct.exitCode === 0) return { ok: true, principal: expected, fingerprint: fingerprintOf(direct.stdout + direct.stderr) };
    }
    const found = await run.run('ssh-keygen', ['-Y', 'find-principals', '-s', sigFile, '-f', allowedSigners, '-O', time], { env, timeoutMs: 30_000 });
    const principals = found.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const principal = expected === undefined ? (principals[0] ?? '') : principals.includes(expected) ? expected : '';
    if (found.exitCode !== 0 || !principal) {
      const why = found.stderr;
      if (/key has expired|not yet valid/i.test(why)) return { ok: false, reason: 'expired key', detail: `the key is not valid at ${at.toISOString()} (${lastLine(why, /expired|not yet valid/i)})` };
      // Is it a sound signature at all? Then it is only the key that is not trusted here.
      const sound = await run.run('ssh-keygen', ['-Y', 'check-novalidate', '-n', namespace, '-s', sigFile], { input: payload, env, timeoutMs: 30_000 });
      if (sound.exitCode === 0) return { ok: false, reason: 'unknown key', detail: `signed by ${fingerprintOf(sound.stdout + sound.stderr) || 'a key'} that is not in ${allowedSigners}` };
      return { ok: false, reason: 'bad signature', detail: `the signature does not verify (${lastLine(sound.stderr + sound.stdout)})` };
    }
    const checked = await run.run('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', namespace, '-s', sigFile, '-O', time], { input: payload, env, timeoutMs: 30_000 });
    const text = checked.stdout + checked.stderr;
    if (checked.exitCode === 0) return { ok: true, principal, fingerprint: fingerprintOf(text) };
    if (/not permitted for use in signature namespace/i.test(text)) {
      return { ok: false, reason: 'wrong namespace', detail: `the key of ${principal} is not allowed to sign "${namespace}" (a namespaces= restriction in ${allowedSigners})` };
    }
    return { ok: false, reason: 'bad signature', detail: `the signature does not verify for ${principal} (${lastLine(text)})` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function fingerprintOf(text: string): string {
  return /SHA256:[A-Za-z0-9+/=]+/.exec(text)?.[0] ?? '';
}

function lastLine(text: string, prefer?: RegExp): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (prefer ? lines.find((l) => prefer.test(l)) : undefined) ?? lines[lines.length - 1] ?? 'no output';
}

/** Why an OpenPGP signature was not accepted. */
export type OpenPgpFailure = 'unknown key' | 'expired key' | 'revoked key' | 'bad signature';

export type OpenPgpVerdict = { ok: true; signer: string } | { ok: false; reason: OpenPgpFailure; detail: string };

/**
 * Verify an OpenPGP signature over `payload` with gpg against `gpgHome` only
 * (never the caller's ~/.gnupg or $GNUPGHOME, never a key server). gpg judges
 * expiry and revocation by the agent's clock.
 */
export async function verifyOpenPgp(payload: string, signature: string, gpgHome: string): Promise<OpenPgpVerdict> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'converge-sig-'));
  try {
    const sigFile = path.join(dir, 'sig');
    await writeFile(sigFile, signature, { mode: 0o600 });
    const args = ['--batch', '--no-tty', '--homedir', gpgHome, '--no-auto-key-retrieve', '--no-auto-key-locate', '--status-fd', '1', '--verify', sigFile, '-'];
    const r = await createRunner('linux').run('gpg', args, { input: payload, env: { ...process.env, GNUPGHOME: gpgHome, LC_ALL: 'C' }, timeoutMs: 30_000 });
    const status = (word: string) => new RegExp(`^\\[GNUPG:\\] ${word}( .*)?$`, 'm').exec(r.stdout);
    const human = lastLine(r.stderr.replace(/^gpg: /gm, ''), /expired|revoked|BAD|No public key|Can't check/i);
    if (status('EXPKEYSIG') || status('KEYEXPIRED')) return { ok: false, reason: 'expired key', detail: `the signing key has expired (${human})` };
    if (status('REVKEYSIG') || status('KEYREVOKED')) return { ok: false, reason: 'revoked key', detail: `the signing key is revoked (${human})` };
    if (status('BADSIG')) return { ok: false, reason: 'bad signature', detail: `the signature does not verify (${human})` };
    if (status('NO_PUBKEY') || status('ERRSIG')) return { ok: false, reason: 'unknown key', detail: `signed by a key that is not in trust.gpgKeyring (${human})` };
    const good = status('GOODSIG');
    const valid = status('VALIDSIG');
    if (r.exitCode !== 0 || !good || !valid) return { ok: false, reason: 'bad signature', detail: `the signature does not verify (${human})` };
    // GOODSIG <long key id> <user id>; VALIDSIG <fingerprint> ...
    const uid = good[1]!.trim().split(' ').slice(1).join(' ');
    const fpr = valid[1]!.trim().split(' ')[0]!;
    return { ok: true, signer: `${uid} ${fpr}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
