// What converge last wrote to each env file, kept as an HMAC under a random
// key of this machine (never the value, and nothing a dictionary attack on
// the state directory could use without the key beside it, which is as
// protected as the backups). With it a content change is told apart: the
// file still holds what converge wrote, so the vault moved (a rotation, not
// drift), or it does not, so someone edited it (drift). The folder is reached
// through the safe walk and must be root's alone: a key a local user planted
// would let them forge "converge wrote this".
import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Context } from '../types.js';
import { chaseRootOnlyDir, closeDir } from '../../platform/safe-path.js';
import { readFileAt, syncDirAt, writeFileAt } from '../../platform/safe-ops.js';
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
  const dir = path.join(path.resolve(ctx.stateDir), 'secrets');
  const keyFile = 'hmac.key';
  const file = `${ctx.host.name}.ledger.json`;
  let key = readOptional(dir, keyFile);
  const digests = parseDigests(readOptional(dir, file));
  const hmac = (k: Buffer, bytes: Uint8Array) => createHmac('sha256', k).update(bytes).digest('hex');
  const ledger: Ledger = {
    isLastWritten: (name, bytes) => key !== null && Object.hasOwn(digests, name) && digests[name] === hmac(key, bytes),
    async record(name, bytes) {
      if (!key) {
        key = randomBytes(32);
        writeAt(dir, keyFile, key);
      }
      const digest = hmac(key, bytes);
      if (digests[name] === digest) return;
      digests[name] = digest;
      writeAt(dir, file, JSON.stringify(digests, Object.keys(digests).sort(), 1) + '\n');
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

function readOptional(local: string, name: string): Buffer | null {
  let dir;
  try {
    dir = chaseRootOnlyDir('/', local);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null; // no folder yet: made on the first write, not by a plan
    throw error;
  }
  try {
    return readFileAt(dir, name);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  } finally {
    closeDir(dir);
  }
}

function writeAt(local: string, name: string, data: string | Uint8Array): void {
  const dir = chaseRootOnlyDir('/', local, 0o700);
  try {
    writeFileAt(dir, name, data, { mode: 0o600 });
    syncDirAt(dir);
  } finally {
    closeDir(dir);
  }
}
