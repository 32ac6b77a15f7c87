// Files on Windows hosts (and under --root for them): the same bytes compared
// and written atomically as on POSIX, without mode/owner (validation rejects
// them), with the read-only attribute cleared first and busy files retried.
import { readFile, rm, unlink } from 'node:fs/promises';
import type { Change, Provider } from '../types.js';
import type { FileDesired } from './schema.js';
import { contentChange } from '../shared/content-diff.js';
import { describeKind, ensureParent, statPath } from '../shared/posix-path.js';
import { clearReadOnly, retryBusy } from '../shared/windows-fs.js';
import { desiredBytes } from './provider.js';
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
    else if (observed.state.kind !== 'file') changes.push({ property: 'type', from: observed.state.kind, to: 'file' });
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
    if (current?.kind === 'directory') {
      if (!spec.force) throw new ConvergeError('invalid-input', `${spec.file} is a directory; refusing to replace it with a file (set force: true to allow)`);
      await ctx.backups.save(local);
      await rm(local, { recursive: true });
    } else if (current?.kind === 'other') {
      throw new ConvergeError('unsupported', `${spec.file} is ${describeKind(current.kind)}; refusing to replace it`);
    }
    await ensureParent(local, ctx);
    await ctx.backups.save(local);
    const bytes = desiredBytes(spec) ?? (current?.kind === 'file' ? await readFile(local) : new Uint8Array());
    await clearReadOnly(local);
    await retryBusy(() => writeFileAtomic(local, bytes, { mode: 0o644 }));
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
