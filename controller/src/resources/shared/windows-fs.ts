// What Windows needs beyond Node's fs: a read-only attribute blocks replacing
// or deleting a file, virus scanners and indexers hold files open for a moment
// (EBUSY/EPERM on rename), symlinks need a privilege that directory junctions
// do not, and link targets come back with \\?\ prefixes and backslashes.
import { chmod, lstat, stat, symlink as nodeSymlink } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from '../../platform/errors.js';

const BUSY = new Set(['EBUSY', 'EPERM', 'EACCES']);

/** Run `fn`, retrying a few times while Windows reports the file busy. */
export async function retryBusy<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts || !BUSY.has(errnoOf(error) ?? '')) throw error;
      await new Promise((r) => setTimeout(r, 50 * 2 ** i));
    }
  }
}

/** Clear the read-only attribute of a file (chmod's only meaning on Windows), if one is there. */
export async function clearReadOnly(local: string): Promise<void> {
  try {
    const st = await lstat(local);
    if (st.isFile() && (st.mode & 0o200) === 0) await chmod(local, 0o666);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}

/** A link target as Windows compares it: no \\?\ or \??\ prefix, forward slashes, no trailing slash, lower case. */
export function windowsTargetKey(target: string): string {
  let t = target.replace(/^\\\\\?\\|^\\\?\?\\/, '').replace(/\\/g, '/');
  if (t.length > 3 && t.endsWith('/')) t = t.slice(0, -1);
  return t.toLowerCase();
}

/** The fs calls link creation uses; tests replace symlink to refuse the privilege. */
export interface LinkFs {
  symlink(target: string, local: string, type: 'dir' | 'file' | 'junction'): Promise<void>;
  stat(p: string): Promise<{ isDirectory(): boolean }>;
}

const realLinkFs: LinkFs = { symlink: nodeSymlink, stat };

/**
 * Create a link at `local`: a symbolic link (dir or file, by what the target
 * is; a missing target counts as a directory), or, where Windows refuses the
 * symlink privilege (EPERM), a directory junction. Files have no fallback.
 */
export async function createWindowsLink(target: string, local: string, fs: LinkFs = realLinkFs): Promise<'symlink' | 'junction'> {
  const native = target.replace(/\//g, '\\');
  const resolved = path.win32.isAbsolute(native) ? native : path.win32.join(path.win32.dirname(local), native);
  let isDir = true;
  try {
    isDir = (await fs.stat(resolved)).isDirectory();
  } catch {
    // missing target: made as a directory link (the usual case: a share not yet mounted)
  }
  try {
    await fs.symlink(native, local, isDir ? 'dir' : 'file');
    return 'symlink';
  } catch (error) {
    if (errnoOf(error) !== 'EPERM' || !isDir) throw error;
  }
  // Junctions need an absolute target and no privilege.
  await fs.symlink(path.win32.resolve(resolved), local, 'junction');
  return 'junction';
}
