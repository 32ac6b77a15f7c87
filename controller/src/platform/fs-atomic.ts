// Crash-safe writes: a temp file in the same directory, mode and owner set,
// fsync, rename over the target, fsync the directory. A crash at any point
// leaves either the old file or the new one, never half of one.
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

/** Replace `target` with `data`. A symlink at `target` is replaced, never followed. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.converge-${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'wx', options.mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode);
    if (options.uid !== undefined || options.gid !== undefined) {
      await handle.chown(options.uid ?? -1, options.gid ?? -1);
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, target);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** fsync a directory so a rename in it survives a power cut (a no-op where the OS refuses). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems and Windows cannot fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
