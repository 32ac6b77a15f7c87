// Removing a managed directory, for both providers: only an empty one unless `force`.
import type { Context } from '../types.js';
import type { DirectorySpec } from './schema.js';
import { removeTree, rmdirPath, statPath } from '../shared/posix-path.js';
import { ConvergeError, errnoOf } from '../../platform/errors.js';

/** Remove the directory of `spec` (backed up first); `removeTree` does the recursive removal for `force`. */
export async function removeDirectory(spec: DirectorySpec, ctx: Context, removeTreeAt: (local: string) => Promise<void> = async (p) => removeTree(p, ctx)): Promise<void> {
  const local = ctx.local(spec.directory);
  const current = await statPath(local, ctx);
  if (!current) return;
  if (current.kind !== 'directory') throw new ConvergeError('invalid-input', `${spec.directory} is a ${current.kind}, not a directory; not removing it`);
  await ctx.backups.save(local);
  if (spec.force) {
    await removeTreeAt(local);
    return;
  }
  try {
    rmdirPath(local, ctx);
  } catch (error) {
    if (errnoOf(error) === 'ENOTEMPTY' || errnoOf(error) === 'EEXIST') {
      throw new ConvergeError('invalid-input', `${spec.directory} is not empty; not removing it (set force: true to remove it with its contents)`, { cause: error });
    }
    throw error;
  }
}
