// A report stays its host's own on the way through an object store and an
// aggregator: the host signs status.json with its SSH key (ssh-keygen -Y sign,
// namespace converge-status), the signature travels beside it as
// status.json.sig, and a reader verifies it against the host's public key,
// whoever made the commit that carries it.
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConvergeError } from '../platform/errors.js';

/** The ssh-keygen namespace of report signatures: a signature made for git commits or anything else does not count here. */
export const REPORT_NAMESPACE = 'converge-status';

/** Sign `statusJson` with the SSH private key at `keyFile`; the armored signature. */
export async function signReport(statusJson: string, keyFile: string): Promise<string> {
  const r = await execa('ssh-keygen', ['-q', '-Y', 'sign', '-n', REPORT_NAMESPACE, '-f', keyFile], { input: statusJson, reject: false, timeout: 30_000 });
  if (r.exitCode !== 0 || !r.stdout.includes('BEGIN SSH SIGNATURE')) {
    throw new ConvergeError('io', `cannot sign the report with ${keyFile}: ${(r.stderr || 'ssh-keygen failed').split('\n')[0]}`);
  }
  return `${r.stdout.trim()}\n`;
}

/** True when `signature` is `host`'s signature of `statusJson`, by the public key `publicKey` (an `ssh-ed25519 AAAA…` line). */
export async function verifyReport(host: string, statusJson: string, signature: string, publicKey: string): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'converge-verify-'));
  try {
    const signers = path.join(dir, 'allowed_signers');
    const sig = path.join(dir, 'status.json.sig');
    await writeFile(signers, `${host} namespaces="${REPORT_NAMESPACE}" ${publicKey.trim()}\n`, { mode: 0o600 });
    await writeFile(sig, signature, { mode: 0o600 });
    const r = await execa('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', host, '-n', REPORT_NAMESPACE, '-s', sig], { input: statusJson, reject: false, timeout: 30_000 });
    return r.exitCode === 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
