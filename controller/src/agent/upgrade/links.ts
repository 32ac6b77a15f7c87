// The agent and runtime links: read, and switched by renaming a new link over
// the old one, so a crash leaves either the old or the new target, never none.
import { readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../../platform/fs-atomic.js';

/** Where `link` points (as written, relative), or null when it is missing. */
export async function linkTarget(link: string): Promise<string | null> {
  try {
    return await readlink(link);
  } catch {
    return null;
  }
}

/** Point `link` at `target` atomically. */
export async function switchLink(target: string, link: string): Promise<void> {
  const tmp = `${link}.new-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
  await syncDirectory(path.dirname(link));
}
