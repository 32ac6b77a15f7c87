// What converge last wrote to each env file, kept as an HMAC under a random
// key of this machine (never the value, and nothing a dictionary attack on
// the state directory could use without the key beside it, which is as
// protected as the backups). With it a content change is told apart: the
// file still holds what converge wrote, so the vault moved (a rotation, not
// drift), or it does not, so someone edited it (drift).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../types.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { errnoOf } from '../../platform/errors.js';

export interface Ledger {
  /** True when `bytes` are what converge last wrote for env file `name`. */
  isLastWritten(name: string, bytes: Uint8Array): boolean;
  /** Remember that converge wrote `bytes` for `name` (creates the key on first use). */
  record(name: string, bytes: Uint8Array): Promise<void>;
}

type LedgerContext = Pick<Context, 'cache' | 'stateDir' | 'host'>;

/** The ledger of this host, read once per run. */
export async function openLedger(ctx: LedgerContext): Promise<Ledger> {
  const cached = ctx.cache.get('envFile:ledger') as Ledger | undefined;
  if (cached) return cached;
  const dir = path.join(ctx.stateDir, 'secrets');
  const keyFile = path.join(dir, 'hmac.key');
  const file = path.join(dir, `${ctx.host.name}.ledger.json`);
  let key = await readOptional(keyFile);
  const digests = parseDigests(await readOptional(file));
  const hmac = (k: Buffer, bytes: Uint8Array) => createHmac('sha256', k).update(bytes).digest('hex');
  const ledger: Ledger = {
    isLastWritten: (name, bytes) => key !== null && Object.hasOwn(digests, name) && digests[name] === hmac(key, bytes),
    async record(name, bytes) {
      if (!key) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        key = randomBytes(32);
        await writeFileAtomic(keyFile, key, { mode: 0o600 });
      }
      const digest = hmac(key, bytes);
      if (digests[name] === digest) return;
      digests[name] = digest;
      await writeFileAtomic(file, JSON.stringify(digests, Object.keys(digests).sort(), 1) + '\n', { mode: 0o600 });
    },
  };
  ctx.cache.set('envFile:ledger', ledger);
  return ledger;
}

/** A torn or foreign ledger is as good as none: every file then counts as unknown (a change to it is drift). */
function parseDigests(bytes: Buffer | null): Record<string, string> {
  try {
    const value = JSON.parse(bytes?.toString('utf8') ?? '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
}
