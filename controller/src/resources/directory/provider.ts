// Directories on Linux and macOS (and under --root anywhere).
import type { Change, Provider } from '../types.js';
import type { DirectorySpec } from './schema.js';
import { removeDirectory } from './remove.js';
import { attributeChanges, ensureParent, makeDirectory, setAttributes, statPath, typeChange, unlinkPath } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { ConvergeError } from '../../platform/errors.js';

export interface DirectoryObserved {
  state: PathState;
  privileged: boolean;
}

export const posixDirectoryProvider: Provider<DirectorySpec, DirectoryObserved> = {
  async observe(spec, ctx) {
    const state = await statPath(ctx.local(spec.directory), ctx);
    return state ? { state, privileged: ctx.privileged } : null;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'directory' });
    else if (observed.state.kind !== 'directory') changes.push(typeChange(observed.state.kind, 'directory', 'directory', spec.force));
    const isDir = observed?.state.kind === 'directory';
    const attrs = { ...spec, mode: spec.mode ?? (isDir ? undefined : '0755') };
    changes.push(...attributeChanges(attrs, isDir ? observed!.state : null, { privileged: observed?.privileged ?? true }));
    return changes;
  },

  async apply(spec, changes, ctx) {
    const local = ctx.local(spec.directory);
    const current = await statPath(local, ctx);
    if (current && current.kind !== 'directory') {
      if (!spec.force) {
        throw new ConvergeError('invalid-input', `${spec.directory} is a ${current.kind}; refusing to replace it with a directory (set force: true to allow)`);
      }
      await ctx.backups.save(local);
      unlinkPath(local, ctx);
    }
    if (!current || current.kind !== 'directory') {
      await ensureParent(local, ctx);
      await ctx.backups.save(local);
      makeDirectory(local, parseInt(spec.mode ?? '0755', 8), ctx);
    }
    const want = (p: string) => changes.some((c) => c.property === p && !c.skipped) || !current || current.kind !== 'directory';
    await setAttributes(local, {
      mode: want('mode') ? spec.mode ?? '0755' : undefined,
      owner: want('owner') ? spec.owner : undefined,
      group: want('group') ? spec.group : undefined,
    }, ctx);
  },

  remove: (spec, ctx) => removeDirectory(spec, ctx),
};
