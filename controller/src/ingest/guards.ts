// Loop prevention for cloud ingestion: the copy goes one way only (cloud →
// /space), never scans the SMB mount, never follows a link, never takes its
// own half-written files for input, and refuses a source and a destination
// that contain each other.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConvergeError, errnoOf } from '../platform/errors.js';

/** The suffix of a file being copied; renamed away when the copy is complete. */
export const PARTIAL = '.partial';

/** Names never ingested: our own partial files, Finder and iCloud bookkeeping, placeholders of evicted iCloud files. */
export function skippedName(name: string): boolean {
  return name.endsWith(PARTIAL) || name === '.DS_Store' || name.startsWith('._') || /^\..+\.icloud$/.test(name) || name === '.Trash' || name === '.Trashes';
}

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

async function real(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return path.resolve(p);
    throw error;
  }
}

/** Throws unless source and destination are disjoint and the source lies outside the mount. */
export async function checkDisjoint(source: string, destination: string, mount: string | undefined): Promise<void> {
  const [s, d] = [await real(source), await real(destination)];
  if (within(d, s)) throw new ConvergeError('invalid-input', `the destination ${destination} lies inside the source ${source}: ingestion would copy its own output again (a loop)`);
  if (within(s, d)) throw new ConvergeError('invalid-input', `the source ${source} lies inside the destination ${destination}: ingestion would copy /space back into itself (a loop)`);
  if (mount) {
    const m = await real(mount);
    if (within(s, m)) throw new ConvergeError('invalid-input', `the source ${source} is on the SMB mount ${mount}: ingestion never scans the mount`);
    if (!within(d, m)) throw new ConvergeError('invalid-input', `the destination ${destination} is not on the mount ${mount}`);
  }
}

/** True when `dir` is a mount point (another device than its parent). */
export async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([stat(dir), stat(path.dirname(path.resolve(dir)))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}
