// The upgrade's own state under <prefix>/upgrade/: `pending` (written by the
// old agent before it switches), `rolled-back` (written by the guard when it
// switches back: the commit on line 1, why on line 2), `starts` (one line per
// start of the new release, counted by the guard).
import { readFile, rm } from 'node:fs/promises';
import { z } from '../../platform/zod.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import type { Layout } from './release.js';

export const Pending = z.object({
  commit: z.string(),
  /** Link targets, as written in the links: releases/<id>, runtimes/<name> or runtime-external. */
  from: z.string(),
  to: z.string(),
  fromRuntime: z.string(),
  toRuntime: z.string(),
  deadline: z.string(),
  startedAt: z.string(),
});
export type Pending = z.infer<typeof Pending>;

/** The upgrade under way, if any (an unreadable file counts as none: the guard decides without it). */
export async function readPending(l: Layout): Promise<Pending | null> {
  try {
    return Pending.parse(JSON.parse(await readFile(l.pending, 'utf8')));
  } catch {
    return null;
  }
}

/** Write it atomically (before the links switch). */
export async function writePending(l: Layout, p: Pending): Promise<void> {
  await rm(l.starts, { force: true });
  await writeFileAtomic(l.pending, `${JSON.stringify(p, null, 2)}\n`, { mode: 0o644 });
}

/** Forget the upgrade (confirmed, or never switched). */
export async function clearPending(l: Layout): Promise<void> {
  await rm(l.pending, { force: true });
  await rm(l.starts, { force: true });
}

/** What the guard wrote when it switched back. */
export async function readRolledBack(l: Layout): Promise<{ commit: string; why: string } | null> {
  let text: string;
  try {
    text = await readFile(l.rolledBack, 'utf8');
  } catch {
    return null;
  }
  const [commit = '', why = ''] = text.split('\n');
  return /^[0-9a-f]{7,64}$/.test(commit) ? { commit, why: why.trim() || 'not confirmed in time' } : null;
}

/** The outcome is reported: forget it. */
export async function clearRolledBack(l: Layout): Promise<void> {
  await rm(l.rolledBack, { force: true });
}
