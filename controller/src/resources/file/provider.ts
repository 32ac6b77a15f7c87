// Files on Linux and macOS (and under --root anywhere): lstat, compare bytes,
// write atomically. A symlink standing at a managed path is replaced, never followed.
import type { Change, Context, Provider } from '../types.js';
import type { FileDesired } from './schema.js';
import { desiredBytes } from './content.js';
import { makeRoomForFile } from './make-room.js';
import { contentChange } from '../shared/content-diff.js';
import { attributeChanges, observePath, resolveIds, sealOf, setAttributes, statPath, typeChange, unlinkPath, writtenSeal } from '../shared/posix-path.js';
import type { FileContentIdentity, PathState } from '../shared/posix-path.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { durableWrites } from '../shared/durable.js';
import { ConvergeError } from '../../platform/errors.js';

export interface FileObserved {
  state: PathState;
  /** The bytes, when the path is a file and the spec manages content (not read when a seal stands for them). */
  bytes?: Uint8Array;
  /** Where the bytes came from: the file's identity, and whether a seal stood for them. */
  content?: FileContentIdentity;
  privileged: boolean;
}

export { desiredBytes };

export const posixFileProvider: Provider<FileDesired, FileObserved> = {
  async observe(spec, ctx, sealed) {
    // sync reads through one safe walk: see statPath; files that converge manages are small
    const seen = observePath(ctx.local(spec.file), ctx, desiredBytes(spec) !== null, sealed);
    if (!seen) return null;
    const observed: FileObserved = { state: seen.state, privileged: ctx.privileged };
    if (seen.bytes) observed.bytes = seen.bytes;
    if (seen.content) observed.content = seen.content;
    return observed;
  },

  seal: (observed, now) => sealOf(observed?.content, now),

  diff(spec, observed) {
    const changes: Change[] = [];
    const want = desiredBytes(spec);
    if (!observed) {
      changes.push({ property: 'ensure', from: null, to: 'file' });
    } else if (observed.state.kind !== 'file') {
      changes.push(typeChange(observed.state.kind, 'file', 'file', spec.force));
    }
    const isFile = observed?.state.kind === 'file';
    if (want && !observed?.content?.sealed) {
      const change = contentChange(spec.file, isFile ? observed!.bytes ?? new Uint8Array() : null, want, { sensitive: spec.sensitive });
      if (change) changes.push(change);
    }
    const attrs = { ...spec, mode: spec.mode ?? (isFile ? undefined : '0644') };
    changes.push(...attributeChanges(attrs, isFile ? observed!.state : null, { privileged: observed?.privileged ?? true }));
    return changes;
  },

  async apply(spec, changes, ctx, observed) {
    const local = ctx.local(spec.file);
    // Found empty a moment ago: a file put there since is backed up (makeRoomForFile) before the rename replaces it.
    const current = observed === null ? null : await statPath(local, ctx);
    const rewrite = !current || current.kind !== 'file' || changes.some((c) => c.property === 'content');
    if (!rewrite) {
      await setAttributes(local, attributesToSet(spec, changes), ctx);
      return;
    }
    const bytes = await makeRoomForFile(spec, local, current, ctx);
    const mode = parseInt(spec.mode ?? (current?.kind === 'file' ? current.mode : '0644'), 8);
    const written = await writeFileAtomic(local, bytes, { mode, ...resolveIds(spec, ctx), root: ctx.root, durable: durableWrites(ctx) });
    // the observe after apply need not read back what was just written
    return { seal: writtenSeal(written) };
  },

  async remove(spec, ctx) {
    const local = ctx.local(spec.file);
    const current = await statPath(local, ctx);
    if (!current) return;
    if (current.kind === 'directory') {
      throw new ConvergeError('invalid-input', `${spec.file} is a directory, not a file; not removing it`);
    }
    await ctx.backups.save(local);
    unlinkPath(local, ctx);
  },
};

function attributesToSet(spec: FileDesired, changes: Change[]): { mode?: string; owner?: string; group?: string } {
  const has = (p: string) => changes.some((c) => c.property === p && !c.skipped);
  return {
    mode: has('mode') ? spec.mode ?? '0644' : undefined,
    owner: has('owner') ? spec.owner : undefined,
    group: has('group') ? spec.group : undefined,
  };
}

export type { Context };
