// Crash-safe writes: a temp file in the same directory, mode and owner set,
// fsync, rename over the target, fsync the directory. A crash at any point
// leaves either the old file or the new one, never half of one. The parent is
// reached through safe-path.ts (no link a local user planted is followed) and
// everything happens relative to it, held open (safe-ops.ts).
//
// The system calls are synchronous on purpose (a sync call costs microseconds
// where its promise twin pays a round trip through libuv's thread pool), but
// for the fsync of writeFileAtomic: the engine converges many files side by
// side, and their temp files are made durable together (durable-writes.ts).
import { closeSync, fstatSync, fsync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { chaseParent, closeDir, withParent } from './safe-path.js';
import type { SafeDir } from './safe-path.js';
import type { DurableWrites } from './durable-writes.js';
import { openTempAt, renameAt, syncDirAt, unlinkAt, writeTempAt } from './safe-ops.js';

export interface AtomicWriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
  /** The root the path is walked from (the --root sandbox); default `/`. */
  root?: string;
  /**
   * The run's durable writes: the temp file is synced with others of the run
   * before its rename, and the directory is collected to be fsynced once at the
   * end (DurableWrites.finish), instead of each alone. The rename is atomic either
   * way, and happens only once the temp file is on disk.
   */
  durable?: DurableWrites;
}

/**
 * Replace `target` with `data`. A symlink at `target` is replaced, never followed.
 * `beforeRename` is a last check of the complete temp file (visudo -cf), given its
 * real path (another process cannot use this one's /proc/self/fd).
 * Returns the stat of the complete, fsynced file just before the rename: whoever
 * wrote it can tell it at `target` without reading it back.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions & { beforeRename?(tmp: string): Promise<void> },
): Promise<Stats> {
  const { dir, name } = chaseParent(options.root ?? '/', target);
  try {
    // The sync waits off the main thread: a caller converging several files at once waits for them together.
    const { tmp, fd } = openTempAt(dir, name, data, options);
    let written: Stats;
    try {
      try {
        await (options.durable ? options.durable.sync(fd, dir) : fsyncFd(fd));
        written = fstatSync(fd);
      } finally {
        closeSync(fd);
      }
      await options.beforeRename?.(path.join(dir.local, tmp));
    } catch (error) {
      try {
        unlinkAt(dir, tmp);
      } catch {
        // already gone
      }
      throw error;
    }
    renameAt(dir, tmp, name);
    finish(dir, options);
    return written;
  } finally {
    closeDir(dir);
  }
}

/** The synchronous form of writeFileAtomic. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, options: AtomicWriteOptions): void {
  withParent(options.root ?? '/', target, {}, (dir, name) => {
    renameAt(dir, writeTempAt(dir, name, data, options), name);
    finish(dir, options);
  });
}

function finish(dir: SafeDir, options: AtomicWriteOptions): void {
  if (options.durable) options.durable.directories.add(dir.local);
  else syncDirAt(dir);
}

/** fsync through the thread pool. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** fsync a directory so a rename in it survives a power cut (a no-op where the OS refuses); through the thread pool. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path.resolve(dir), 'r');
    await handle.sync();
  } catch {
    // Some filesystems and Windows cannot fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * fsync many directories, `width` at a time: fsyncs waiting together are committed
 * together by the journal (100 folders: ~140 ms one after another, ~10 ms eight at a time, ext4).
 */
export async function syncDirectories(dirs: Iterable<string>, width = 8): Promise<void> {
  const queue = [...dirs];
  const worker = async () => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) await syncDirectory(dir);
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}
