// Directories on Windows hosts (and under --root for them): existence only;
// mode/owner are rejected by validation (ACLs will be their own field).
import { mkdir, rm, unlink } from 'node:fs/promises';
import type { Change, Provider } from '../types.js';
import type { DirectorySpec } from './schema.js';
import { removeDirectory } from './remove.js';
import { ensureParent, statPath, typeChange } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { retryBusy } from '../shared/windows-fs.js';
import { ConvergeError } from '../../platform/errors.js';

export interface WindowsDirectoryObserved {
  state: PathState;
}

export const windowsDirectoryProvider: Provider<DirectorySpec, WindowsDirectoryObserved> = {
  async observe(spec, ctx) {
    const state = await statPath(ctx.local(spec.directory), ctx);
    return state ? { state } : null;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'directory' });
    else if (observed.state.kind !== 'directory') changes.push(typeChange(observed.state.kind, 'directory', 'directory', spec.force));
    return changes;
  },

  async apply(spec, _changes, ctx) {
    const local = ctx.local(spec.directory);
    const current = await statPath(local, ctx);
    if (current && current.kind !== 'directory') {
      if (!spec.force) throw new ConvergeError('invalid-input', `${spec.directory} is a ${current.kind}; refusing to replace it with a directory (set force: true to allow)`);
      await ctx.backups.save(local);
      await retryBusy(() => unlink(local));
    }
    await ensureParent(local, ctx);
    await ctx.backups.save(local);
    await mkdir(local);
  },

  remove: (spec, ctx) => removeDirectory(spec, ctx, (local) => retryBusy(() => rm(local, { recursive: true }))),
};
