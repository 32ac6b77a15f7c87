// Directories whose entries a run renamed: fsynced once each at the end of the
// run instead of after every file (the renames are atomic either way).
import type { Context } from '../resources/types.js';

const KEY = 'engine:dirty-directories';

/** The run's set of directories to fsync before the report is written. */
export function dirtyDirectories(ctx: Pick<Context, 'cache'>): Set<string> {
  let set = ctx.cache.get(KEY) as Set<string> | undefined;
  if (!set) {
    set = new Set();
    ctx.cache.set(KEY, set);
  }
  return set;
}
