// A release of the agent: releases/<agent id>/ under the install prefix, with
// release.json saying what it was built from. The running agent finds its own
// beside its entry point; without one (a dev checkout, the tests) it does not
// upgrade itself.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from '../../platform/zod.js';

export const ReleaseInfo = z.object({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  commit: z.string(),
  prefix: z.string().min(1),
  /** Node.js pinned in controller/runtime.json when it was built. */
  runtimePin: z.string().optional(),
  /** The runtime link's target when it was installed (`runtime-external`: the bootstrap's --node; never replaced). */
  runtime: z.string().optional(),
  lockHash: z.string().optional(),
  builtAt: z.string().optional(),
});
export type ReleaseInfo = z.infer<typeof ReleaseInfo>;

/** The release file of the agent installed at `installDir` (the folder with its package.json); null when there is none. */
export function readRelease(installDir: string): ReleaseInfo | null {
  let text: string;
  try {
    text = readFileSync(path.join(installDir, 'release.json'), 'utf8');
  } catch {
    return null;
  }
  return ReleaseInfo.parse(JSON.parse(text));
}

/** The paths of an install prefix. */
export function layout(prefix: string) {
  return {
    prefix,
    releases: path.join(prefix, 'releases'),
    agentLink: path.join(prefix, 'agent'),
    runtimeLink: path.join(prefix, 'runtime'),
    runtimes: path.join(prefix, 'runtimes'),
    build: path.join(prefix, 'build'),
    upgrade: path.join(prefix, 'upgrade'),
    pending: path.join(prefix, 'upgrade', 'pending'),
    rolledBack: path.join(prefix, 'upgrade', 'rolled-back'),
    starts: path.join(prefix, 'upgrade', 'starts'),
    guard: path.join(prefix, 'upgrade', 'guard.sh'),
  };
}
export type Layout = ReturnType<typeof layout>;
