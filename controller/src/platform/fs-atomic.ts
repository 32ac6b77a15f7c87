// Crash-safe writes: a temp file in the same directory, mode and owner set,
// fsync, rename over the target, fsync the directory. A crash at any point
// leaves either the old file or the new one, never half of one.
//
// The system calls are synchronous on purpose (a sync call costs microseconds
// where its promise twin pays a round trip through libuv's thread pool), but
// for the fsync of writeFileAtomic: the engine converges a few files side by
// side, and their fsyncs waiting together cost about one.
import { closeSync, fchmodSync, fchownSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
  /**
   * Collect the directory instead of fsyncing it at once; the caller fsyncs each
   * collected directory once (the engine does, at the end of a run). The
   * rename is atomic either way; the directory fsync makes it durable.
   */
  deferDirSync?: Set<string>;
}

/** Replace `target` with `data`. A symlink at `target` is replaced, never followed. `beforeRename` is a last step on the complete temp file (a Windows ACL). */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions & { beforeRename?(tmp: string): Promise<void> },
): Promise<void> {
  // The fsync goes through the thread pool: a caller converging several files at once waits for their fsyncs together.
  const { tmp, fd } = openTemp(target, data, options);
  try {
    try {
      await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      closeSync(fd);
    }
    await options.beforeRename?.(tmp);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
  commit(tmp, target, options);
}

/** The synchronous form of writeFileAtomic. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, options: AtomicWriteOptions): void {
  commit(writeTemp(target, data, options), target, options);
}

/** The complete temp file beside `target`: content, mode, owner, fsynced. */
function writeTemp(target: string, data: string | Uint8Array, options: AtomicWriteOptions): string {
  const { tmp, fd } = openTemp(target, data, options);
  try {
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(tmp);
    throw error;
  }
  closeSync(fd);
  return tmp;
}

/** The temp file beside `target` with its content, mode and owner, still open and not yet fsynced. */
function openTemp(target: string, data: string | Uint8Array, options: AtomicWriteOptions): { tmp: string; fd: number } {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.converge-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', options.mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fchmodSync(fd, options.mode);
    if (options.uid !== undefined || options.gid !== undefined) fchownSync(fd, options.uid ?? -1, options.gid ?? -1);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw error;
  }
  return { tmp, fd };
}

/** Rename the temp file over `target` and make the rename durable. */
function commit(tmp: string, target: string, options: AtomicWriteOptions): void {
  const dir = path.dirname(target);
  try {
    renameSync(tmp, target);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw error;
  }
  if (options.deferDirSync) options.deferDirSync.add(dir);
  else syncDirectorySync(dir);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** fsync a directory so a rename in it survives a power cut (a no-op where the OS refuses). */
export async function syncDirectory(dir: string): Promise<void> {
  syncDirectorySync(dir);
}

function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems and Windows cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
