// Files on Windows hosts (and under --root for them): the same bytes compared
// and written atomically as on POSIX, without mode/owner (validation rejects
// them), with the read-only attribute cleared first and busy files retried.
import { readFile, unlink } from 'node:fs/promises';
import type { Change, Provider } from '../types.js';
import type { FileDesired } from './schema.js';
import { contentChange } from '../shared/content-diff.js';
import { statPath, typeChange } from '../shared/posix-path.js';
import { clearReadOnly, retryBusy } from '../shared/windows-fs.js';
import { desiredBytes } from './content.js';
import { makeRoomForFile } from './make-room.js';
import type { FileObserved } from './provider.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { ConvergeError } from '../../platform/errors.js';

export const windowsFileProvider: Provider<FileDesired, FileObserved> = {
  async observe(spec, ctx) {
    const local = ctx.local(spec.file);
    const state = await statPath(local, ctx);
    if (!state) return null;
    const observed: FileObserved = { state, privileged: ctx.privileged };
    if (state.kind === 'file' && desiredBytes(spec) !== null) observed.bytes = await readFile(local);
    return observed;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'file' });
    else if (observed.state.kind !== 'file') changes.push(typeChange(observed.state.kind, 'file', 'file', spec.force));
    const want = desiredBytes(spec);
    if (want) {
      const isFile = observed?.state.kind === 'file';
      const change = contentChange(spec.file, isFile ? observed!.bytes ?? new Uint8Array() : null, want, { sensitive: spec.sensitive });
      if (change) changes.push(change);
    }
    return changes;
  },

  async apply(spec, _changes, ctx) {
    const local = ctx.local(spec.file);
    const current = await statPath(local, ctx);
    const bytes = await makeRoomForFile(spec, local, current, ctx);
    await clearReadOnly(local);
    await retryBusy(() => writeFileAtomic(local, bytes, { mode: 0o644, root: ctx.root }));
  },

  async remove(spec, ctx) {
    const local = ctx.local(spec.file);
    const current = await statPath(local, ctx);
    if (!current) return;
    if (current.kind === 'directory') throw new ConvergeError('invalid-input', `${spec.file} is a directory, not a file; not removing it`);
    await ctx.backups.save(local);
    await clearReadOnly(local);
    await retryBusy(() => unlink(local));
  },
};
