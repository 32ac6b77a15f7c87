// Trust: a new commit is applied only when its signature verifies against the
// configured allowed signers (SSH, checked by ssh-keygen at the agent's time)
// or keyring (OpenPGP, the agent's own GnuPG home), and it descends from the
// commit in force (no rewind after a force-push).
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import process from 'node:process';
import path from 'node:path';
import type { FleetClone } from './clone.js';
import { splitSignedCommit, verifyOpenPgp, verifySsh } from './signature.js';
import type { SignatureKind } from './signature.js';
import { createRunner } from '../platform/runner.js';
import { ConvergeError } from '../platform/errors.js';

/** Why a commit was refused, as the status commit says it: `rejected 9e8d7c6 (unsigned)`. */
export type RejectReason =
  | 'unsigned'
  | 'unknown key'
  | 'expired key'
  | 'revoked key'
  | 'wrong namespace'
  | 'bad signature'
  | 'rewound'
  | 'not a descendant';

export type TrustVerdict = { ok: true; signer: string | null } | { ok: false; reason: RejectReason; detail: string };

export interface TrustSettings {
  /** SSH allowed-signers file: SSH signatures are checked against it, and only it. */
  allowedSigners?: string;
  /** A GnuPG home the agent owns (built by prepareGpgHome): OpenPGP signatures are checked against it, and only it. */
  gpgHome?: string;
  allowUnsigned?: boolean;
}

/**
 * Check the signature of `commit` in `clone`, judging key validity at `at`
 * (when the agent first saw the commit, by its own clock). Only the trust that
 * is configured counts: an SSH signature needs allowedSigners, an OpenPGP one
 * the agent's own keyring; X.509 and anything else is never trusted.
 */
export async function verifySignature(clone: FleetClone, commit: string, trust: TrustSettings, at: Date = new Date()): Promise<TrustVerdict> {
  if (trust.allowUnsigned) return { ok: true, signer: null };
  const signed = splitSignedCommit(await clone.commitObject(commit));
  if (!signed.signature) return { ok: false, reason: 'unsigned', detail: 'the commit carries no signature' };
  if (signed.kind === 'ssh' && trust.allowedSigners) {
    const v = await verifySsh(signed.payload, signed.signature, trust.allowedSigners, at);
    return v.ok ? { ok: true, signer: `${v.principal} ${v.fingerprint}`.trim() } : { ok: false, reason: v.reason, detail: v.detail };
  }
  if (signed.kind === 'openpgp' && trust.gpgHome) {
    const v = await verifyOpenPgp(signed.payload, signed.signature, trust.gpgHome);
    return v.ok ? { ok: true, signer: v.signer } : { ok: false, reason: v.reason, detail: v.detail };
  }
  const configured = [trust.allowedSigners ? 'SSH signatures (trust.allowedSigners)' : '', trust.gpgHome ? 'OpenPGP signatures (trust.gpgKeyring)' : ''].filter(Boolean).join(' or ');
  return { ok: false, reason: 'unknown key', detail: `${KIND_NAMES[signed.kind ?? 'unknown']}; only ${configured || 'configured signers'} count here` };
}

const KIND_NAMES: Record<SignatureKind, string> = {
  ssh: 'an SSH signature',
  openpgp: 'an OpenPGP signature',
  x509: 'an X.509 signature',
  unknown: 'a signature of an unknown kind',
};

/** Check that `commit` descends from `applied` (the commit in force); anything else is a rewind. */
export async function verifyDescent(clone: FleetClone, applied: string | null, commit: string): Promise<TrustVerdict> {
  if (!applied || applied === commit) return { ok: true, signer: null };
  if (await clone.isAncestor(applied, commit)) return { ok: true, signer: null };
  if (await clone.isAncestor(commit, applied)) {
    return { ok: false, reason: 'rewound', detail: `the branch went back from ${applied.slice(0, 7)} to an older commit (force-push)` };
  }
  return { ok: false, reason: 'not a descendant', detail: `history was rewritten: the branch no longer contains ${applied.slice(0, 7)}, the commit in force` };
}

/**
 * The GnuPG home to verify with: always a private one in the state directory,
 * rebuilt at every start from trust.gpgKeyring (a file of public keys, or a
 * GnuPG home whose public keys are copied), with key servers and automatic key
 * retrieval off. The agent's ~/.gnupg and $GNUPGHOME never count.
 */
export async function prepareGpgHome(keyring: string, stateDir: string): Promise<string> {
  const info = await stat(keyring).catch((error: unknown) => {
    throw new ConvergeError('not-found', `trust.gpgKeyring ${keyring} cannot be read`, { cause: error });
  });
  const home = path.join(stateDir, 'gnupg');
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(path.join(home, 'gpg.conf'), 'no-auto-key-retrieve\nno-auto-key-locate\nno-auto-key-import\nkeyserver-options no-auto-key-retrieve\ntrust-model always\n', { mode: 0o600 });
  const runner = createRunner('linux');
  const env = { ...process.env, GNUPGHOME: home };
  let input: string | undefined;
  if (info.isDirectory()) {
    const exported = await runner.run('gpg', ['--batch', '--quiet', '--homedir', keyring, '--armor', '--export'], { env: { ...process.env, GNUPGHOME: keyring } });
    if (exported.exitCode !== 0) throw new ConvergeError('invalid-input', `cannot read the keys of trust.gpgKeyring ${keyring}: ${exported.stderr.trim().split('\n')[0]}`);
    input = exported.stdout;
  }
  const r = await runner.run('gpg', ['--batch', '--quiet', '--homedir', home, '--import', ...(input === undefined ? [keyring] : [])], { env, input });
  if (r.exitCode !== 0) throw new ConvergeError('invalid-input', `cannot import trust.gpgKeyring ${keyring}: ${r.stderr.trim().split('\n')[0]}`);
  return home;
}
