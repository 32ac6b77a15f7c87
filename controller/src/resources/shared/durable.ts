// The run's durable writes (platform/durable-writes.ts): the temp files its
// resources write are synced together, and the directories they rename in are
// fsynced once each at the end of the run, not after every file.
import { DurableWrites } from '../../platform/durable-writes.js';
import type { Context } from '../types.js';

const KEY = 'engine:durable-writes';

/** The run's DurableWrites, kept in its cache (the engine begins, flushes and finishes it). */
export function durableWrites(ctx: Pick<Context, 'cache'>): DurableWrites {
  let writes = ctx.cache.get(KEY) as DurableWrites | undefined;
  if (!writes) {
    writes = new DurableWrites();
    ctx.cache.set(KEY, writes);
  }
  return writes;
}
