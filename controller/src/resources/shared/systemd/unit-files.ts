// Reading and writing the unit files converge owns: mode 0644, written
// atomically, the previous content saved in the run's backups first.
import type { Change, Context } from '../../types.js';
import { attributeChanges, ensureParent, readPath, statPath, unlinkPath } from '../posix-path.js';
import type { PathState } from '../posix-path.js';
import { contentChange } from '../content-diff.js';
import { writeFileAtomic } from '../../../platform/fs-atomic.js';
import { durableWrites } from '../durable.js';

/** A unit file on disk: its state and text, or null when absent. */
export interface UnitFileObserved {
  state: PathState;
  text: string | null;
}

/** Read a unit file (host path). */
export async function readUnitFile(ctx: Context, hostPath: string): Promise<UnitFileObserved | null> {
  const local = ctx.local(hostPath);
  const state = await statPath(local, ctx);
  if (!state) return null;
  return { state, text: state.kind === 'file' ? readPath(local, ctx).toString('utf8') : null };
}

/** The changes that bring a unit file to `content` (mode 0644). Pure. */
export function unitFileChanges(hostPath: string, want: string, have: UnitFileObserved | null): Change[] {
  const changes: Change[] = [];
  if (!have) changes.push({ property: 'ensure', from: null, to: 'file' });
  else if (have.state.kind !== 'file') changes.push({ property: 'type', from: have.state.kind, to: 'file' });
  const isFile = have?.state.kind === 'file';
  const content = contentChange(hostPath, isFile ? Buffer.from(have!.text ?? '', 'utf8') : null, Buffer.from(want, 'utf8'));
  if (content) changes.push(content);
  if (isFile) changes.push(...attributeChanges({ mode: '0644' }, have!.state));
  return changes;
}

/** True when `unitFileChanges` would find nothing to do. */
export function unitFileInSync(want: string, have: UnitFileObserved | null): boolean {
  return have?.state.kind === 'file' && have.text === want && have.state.mode === '0644';
}

/** Write a unit file (backed up first). A symlink at the path is replaced, never followed. */
export async function writeUnitFile(ctx: Context, hostPath: string, content: string): Promise<void> {
  const local = ctx.local(hostPath);
  await ensureParent(local, ctx);
  await ctx.backups.save(local);
  await writeFileAtomic(local, content, { mode: 0o644, root: ctx.root, durable: durableWrites(ctx) });
}

/** Remove a unit file (backed up first); true when there was one. */
export async function removeUnitFile(ctx: Context, hostPath: string): Promise<boolean> {
  const local = ctx.local(hostPath);
  const state = await statPath(local, ctx);
  if (!state) return false;
  if (state.kind === 'directory') throw new Error(`${hostPath} is a directory, not a unit file; not removing it`);
  await ctx.backups.save(local);
  unlinkPath(local, ctx);
  return true;
}
