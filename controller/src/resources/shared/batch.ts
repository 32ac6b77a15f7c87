// Work that types batch across resources (one daemon-reload, one apt-get
// install) may only take in resources whose predecessors have converged:
// a resource that would be skipped because something it needs failed must
// not be changed early on its behalf.
import type { Context } from '../types.js';

/**
 * The candidates that may join a batch started by `current`: each one's
 * predecessors have converged (changed or unchanged) in this run, or are in
 * the batch themselves. Without the engine's help (older engines), only `current`.
 */
export function readyBatch(ctx: Pick<Context, 'run'>, current: string, candidates: readonly string[]): Set<string> {
  const batch = new Set<string>([current]);
  const { after, statusOf } = ctx.run;
  if (!after || !statusOf) return batch;
  const open = candidates.filter((id) => id !== current && statusOf(id) === undefined);
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of open) {
      if (batch.has(id)) continue;
      const ok = after(id).every((dep) => batch.has(dep) || statusOf(dep) === 'changed' || statusOf(dep) === 'unchanged');
      if (ok) {
        batch.add(id);
        grew = true;
      }
    }
  }
  return batch;
}
