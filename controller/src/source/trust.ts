// Trust: a new commit is applied only when `git verify-commit` accepts its
// signature against the configured allowed signers (SSH) or keyring (GPG),
// and it descends from the commit in force (no rewind after a force-push).
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FleetClone } from './clone.js';
import { gitAt } from './git.js';
import { createRunner } from '../platform/runner.js';
import { ConvergeError, messageOf } from '../platform/errors.js';

/** Why a commit was refused, as the status commit says it: `rejected 9e8d7c6 (unsigned)`. */
export type RejectReason = 'unsigned' | 'unknown key' | 'bad signature' | 'rewound' | 'not a descendant';

export type TrustVerdict = { ok: true; signer: string | null } | { ok: false; reason: RejectReason; detail: string };

export interface TrustSettings {
  /** SSH allowed-signers file (git's gpg.ssh.allowedSignersFile). */
  allowedSigners?: string;
  /** GnuPG home directory, or a file of public keys imported into one. */
  gpgHome?: string;
  allowUnsigned?: boolean;
}

/** Check the signature of `commit` in `clone`. */
export async function verifySignature(clone: FleetClone, commit: string, trust: TrustSettings): Promise<TrustVerdict> {
  if (trust.allowUnsigned) return { ok: true, signer: null };
  const object = await clone.commitObject(commit);
  const headers = object.slice(0, object.indexOf('\n\n') === -1 ? object.length : object.indexOf('\n\n'));
  if (!/^gpgsig(-sha256)? /m.test(headers)) return { ok: false, reason: 'unsigned', detail: 'the commit carries no signature' };
  const env: Record<string, string> = trust.gpgHome ? { GNUPGHOME: trust.gpgHome } : {};
  const git = gitAt(clone.dir, env);
  const config = ['-c', `gpg.ssh.allowedSignersFile=${trust.allowedSigners ?? '/dev/null'}`];
  try {
    await git.raw([...config, 'verify-commit', commit]);
  } catch (error) {
    const text = messageOf(error).replace(/^(Error: )?\[exit \d+\] ?/, '');
    const unknown = /No principal matched|No public key|Can't check signature|needs to be configured|no signature found|not a known key/i.test(text);
    return unknown
      ? { ok: false, reason: 'unknown key', detail: `signed by a key that is not trusted here (${firstLine(text)})` }
      : { ok: false, reason: 'bad signature', detail: `the signature does not verify (${firstLine(text)})` };
  }
  // Who signed, for the log and the report (verify-commit said yes; this only names them).
  const who = (await git.raw([...config, 'log', '-1', '--format=%GS %GK', commit]).catch(() => '')).trim();
  return { ok: true, signer: who || null };
}

/** Check that `commit` descends from `applied` (the commit in force); anything else is a rewind. */
export async function verifyDescent(clone: FleetClone, applied: string | null, commit: string): Promise<TrustVerdict> {
  if (!applied || applied === commit) return { ok: true, signer: null };
  if (await clone.isAncestor(applied, commit)) return { ok: true, signer: null };
  if (await clone.isAncestor(commit, applied)) {
    return { ok: false, reason: 'rewound', detail: `the branch went back from ${applied.slice(0, 7)} to an older commit (force-push)` };
  }
  return { ok: false, reason: 'not a descendant', detail: `history was rewritten: the branch no longer contains ${applied.slice(0, 7)}, the commit in force` };
}

/** The GnuPG home to verify with: the directory itself, or one built in the state directory from a file of public keys. */
export async function prepareGpgHome(keyring: string, stateDir: string): Promise<string> {
  const info = await stat(keyring).catch((error: unknown) => {
    throw new ConvergeError('not-found', `trust.gpgKeyring ${keyring} cannot be read`, { cause: error });
  });
  if (info.isDirectory()) return keyring;
  const home = path.join(stateDir, 'gnupg');
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true, mode: 0o700 });
  const r = await createRunner('linux').run('gpg', ['--batch', '--quiet', '--homedir', home, '--import', keyring]);
  if (r.exitCode !== 0) throw new ConvergeError('invalid-input', `cannot import trust.gpgKeyring ${keyring}: ${r.stderr.trim().split('\n')[0]}`);
  return home;
}

/** The line that says what is wrong, without gpg's preamble (when, which key, who). */
function firstLine(text: string): string {
  const lines = text.split('\n').map((s) => s.replace(/^gpg: +/, '').trim()).filter(Boolean);
  return lines.find((s) => !/^(Good |Signature made|using |issuer )/.test(s)) ?? lines[0] ?? text;
}
