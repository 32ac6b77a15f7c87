// Windows has no mode 0600: an env file there gets an ACL that only SYSTEM and
// the Administrators group can use, without inherited entries (a file under
// C:/ProgramData would otherwise be readable by every user). The file is born
// with that ACL: it is written inside a fresh folder that is restricted before
// anything is put in it (a file takes its parent's inheritable entries when it
// is created), made explicit on the file, and only then renamed into place. A
// user who watches the target folder can open nothing: a handle opened earlier
// would keep its access, which is why restricting after writing is not enough.
// Not run here (Linux): tested by the command lines and the order of steps.
import { closeSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Runner } from '../../platform/runner.js';
import { ConvergeError } from '../../platform/errors.js';

/** SIDs, so the command works whatever the system's language. */
const SYSTEM = '*S-1-5-18';
const ADMINISTRATORS = '*S-1-5-32-544';

/** The icacls arguments that leave `file` to SYSTEM and Administrators (and `reader`, read-only) only. */
export function ownerOnlyAclArgs(file: string, reader?: string): string[] {
  return [file.replace(/\//g, '\\'), '/inheritance:r', '/grant:r', `${SYSTEM}:(F)`, `${ADMINISTRATORS}:(F)`, ...(reader ? [`${reader}:(R)`] : [])];
}

/** The icacls arguments that make a folder SYSTEM's and Administrators' only, for it and everything created in it. */
export function privateFolderAclArgs(dir: string, reader?: string): string[] {
  return [dir.replace(/\//g, '\\'), '/inheritance:r', '/grant:r', `${SYSTEM}:(OI)(CI)(F)`, `${ADMINISTRATORS}:(OI)(CI)(F)`, ...(reader ? [`${reader}:(OI)(CI)(R)`] : [])];
}

async function icacls(runner: Runner, args: string[], what: string): Promise<void> {
  const r = await runner.run('icacls.exe', args);
  if (r.exitCode !== 0) throw new ConvergeError('io', `icacls could not ${what} (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
}

/**
 * Replace `target` with `data`, never readable by anyone but SYSTEM, Administrators
 * and `reader` (read-only), not even for a moment: a fresh mkdtemp folder beside the
 * target is restricted first, the file is created in it, its ACL made explicit, then
 * it is renamed over the target (same volume: the ACL moves with it).
 */
export async function writeRestrictedFile(runner: Runner, target: string, data: string | Uint8Array, reader?: string): Promise<void> {
  const stage = mkdtempSync(path.join(path.dirname(target), '.converge-private-'));
  try {
    await icacls(runner, privateFolderAclArgs(stage, reader), `restrict ${stage} before writing ${target}`);
    const tmp = path.join(stage, path.basename(target));
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let offset = 0;
      while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await icacls(runner, ownerOnlyAclArgs(tmp, reader), `restrict ${target}`);
    renameSync(tmp, target);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
