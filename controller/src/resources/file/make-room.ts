// What both file providers do before writing: refuse or clear what stands at
// the path, create missing parents, back up the old content, and work out the bytes.
import type { Context } from '../types.js';
import type { FileDesired } from './schema.js';
import { desiredBytes } from './content.js';
import { describeKind, ensureParent, readPath, removeTree } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { ConvergeError } from '../../platform/errors.js';

/** Prepare `local` for a new file (what is there is `current`); returns the bytes to write. */
export async function makeRoomForFile(
  spec: FileDesired,
  local: string,
  current: PathState | null,
  ctx: Context,
  remove: (p: string) => Promise<void> = async (p) => removeTree(p, ctx),
): Promise<Uint8Array> {
  if (current?.kind === 'directory') {
    if (!spec.force) throw new ConvergeError('invalid-input', `${spec.file} is a directory; refusing to replace it with a file (set force: true to allow)`);
    await ctx.backups.save(local);
    await remove(local);
  } else if (current?.kind === 'other') {
    throw new ConvergeError('unsupported', `${spec.file} is ${describeKind(current.kind)}; refusing to replace it`);
  }
  await ensureParent(local, ctx);
  await ctx.backups.save(local);
  return desiredBytes(spec) ?? (current?.kind === 'file' ? readPath(local, ctx) : new Uint8Array());
}
