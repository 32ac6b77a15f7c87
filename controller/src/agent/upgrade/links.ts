// The agent and runtime links: read, and switched by renaming a new link over
// the old one, so a crash leaves either the old or the new target, never none.
import { readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
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

/** Where the junction `link` points, relative to `prefix` with forward slashes as the pending file writes it (Windows junctions hold absolute paths). */
export async function junctionTarget(prefix: string, link: string): Promise<string | null> {
  const raw = await linkTarget(link);
  if (raw === null) return null;
  const target = raw.replace(/^\\\\\?\\/, '');
  if (!path.isAbsolute(target) && !path.win32.isAbsolute(target)) return target.replace(/\\/g, '/');
  const relative = path.win32.isAbsolute(target) && !path.isAbsolute(target) ? path.win32.relative(prefix, target) : path.relative(prefix, target);
  return relative.replace(/\\/g, '/');
}

/** Point the junction `link` at `prefix/target`: a junction cannot be renamed over another, so the new one is made, the old one removed (never its target), then renamed (as guard.ps1 does). */
export async function switchJunction(prefix: string, target: string, link: string): Promise<void> {
  const tmp = `${link}.new-${process.pid}`;
  await unlink(tmp).catch(() => undefined);
  await symlink(path.resolve(prefix, target), tmp, 'junction');
  await unlink(link).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  });
  await rename(tmp, link);
}
