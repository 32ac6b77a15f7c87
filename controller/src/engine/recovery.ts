// A run leaves a marker in the state directory while it works. If a run finds
// the marker of an earlier one, that run was killed (kill -9, power cut): the
// temp files its atomic writes may have left beside managed paths are removed.
// The inventory journal already kept what it created.
import { rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../resources/types.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { resourceType } from '../resources/registry.js';
import { chaseDir, closeDir } from '../platform/safe-path.js';
import { readdirAt, unlinkAt } from '../platform/safe-ops.js';

const TEMP = /^\..+\.converge-[0-9a-f]{8}$/;

/** Mark a run as started; returns true when the previous run did not finish. */
export function beginRun(stateDir: string, host: string, runId: string): boolean {
  const dir = path.join(stateDir, 'runs');
  const marker = path.join(dir, `${host}.running`);
  const crashed = existsSync(marker);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(marker, runId + '\n', { mode: 0o600 });
  return crashed;
}

/** Mark a run as finished. */
export function endRun(stateDir: string, host: string): void {
  rmSync(path.join(stateDir, 'runs', `${host}.running`), { force: true });
}

/** Remove temp files an interrupted atomic write left beside managed paths; returns their host paths. */
export function removeStaleTempFiles(loaded: LoadedHost, ctx: Pick<Context, 'local' | 'root'>): string[] {
  const dirs = new Set<string>();
  for (const r of loaded.resources) {
    if (resourceType(r.type)?.titleIsPath) dirs.add(loaded.paths.dirname(r.title));
  }
  const removed: string[] = [];
  for (const dir of dirs) {
    let held;
    try {
      held = chaseDir(ctx.root, ctx.local(dir));
    } catch {
      continue; // missing, or reached only through a link converge does not follow
    }
    try {
      for (const name of readdirAt(held)) {
        if (!TEMP.test(name)) continue;
        try {
          unlinkAt(held, name);
          removed.push(loaded.paths.join(dir, name));
        } catch {
          // not ours to remove, or already gone
        }
      }
    } finally {
      closeDir(held);
    }
  }
  return removed;
}
