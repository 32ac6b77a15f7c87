// Files a type writes as part of what it manages (a task's XML, a plist, a
// service host's config, a helper script): read for observe, written
// atomically with a backup, under the sandbox root when there is one.
import { readFile, unlink } from 'node:fs/promises';
import type { Context } from '../types.js';
import { ensureParent, resolveIds, statPath } from './posix-path.js';
import { clearReadOnly, retryBusy } from './windows-fs.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { ConvergeError, errnoOf } from '../../platform/errors.js';

/** The bytes at a host path, or null when no file is there. */
export async function readManagedFile(ctx: Pick<Context, 'local'>, hostPath: string): Promise<Buffer | null> {
  try {
    return await readFile(ctx.local(hostPath));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR' || errnoOf(error) === 'EISDIR') return null;
    throw error;
  }
}

export interface ManagedFileOptions {
  /** POSIX mode (ignored on Windows hosts). */
  mode?: number;
  owner?: string;
  group?: string;
  /** A last check of the complete temp file before it replaces the target (visudo -cf); throwing leaves the target as it was. */
  check?(tmp: string): Promise<void>;
}

/** Write `data` at a host path atomically (old content backed up). */
export async function writeManagedFile(ctx: Context, hostPath: string, data: string | Uint8Array, options: ManagedFileOptions = {}): Promise<void> {
  const local = ctx.local(hostPath);
  const current = await statPath(local, ctx);
  if (current && current.kind !== 'file' && current.kind !== 'symlink') {
    throw new ConvergeError('invalid-input', `${hostPath} is a ${current.kind}; converge writes a file there and will not replace it`);
  }
  await ensureParent(local, ctx);
  await ctx.backups.save(local);
  if (ctx.host.os === 'windows') {
    await clearReadOnly(local);
    await retryBusy(() => writeFileAtomic(local, data, { mode: 0o644 }));
    return;
  }
  await writeFileAtomic(local, data, {
    mode: options.mode ?? 0o644,
    ...resolveIds({ owner: options.owner, group: options.group }, ctx),
    ...(options.check ? { beforeRename: options.check } : {}),
  });
}

/** Remove a file a type wrote (backed up first); nothing there is fine. */
export async function removeManagedFile(ctx: Context, hostPath: string): Promise<void> {
  const local = ctx.local(hostPath);
  const current = await statPath(local, ctx);
  if (!current) return;
  if (current.kind === 'directory') throw new ConvergeError('invalid-input', `${hostPath} is a directory; not removing it`);
  await ctx.backups.save(local);
  if (ctx.host.os === 'windows') await clearReadOnly(local);
  await unlink(local);
}
