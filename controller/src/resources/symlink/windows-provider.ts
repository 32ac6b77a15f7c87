// Links on Windows hosts: a symbolic link where the privilege allows it
// (SYSTEM has it), otherwise a directory junction. Windows cannot rename a
// link over another, so a wrong link is removed and made again. Targets are
// compared as Windows does: case-insensitive, either slash, no \\?\ prefix.
import { rm, unlink } from 'node:fs/promises';
import type { Change, Provider } from '../types.js';
import type { SymlinkSpec } from './schema.js';
import { linkText, observeLink } from './observe.js';
import { ensureParent, statPath, typeChange } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { createWindowsLink, retryBusy, windowsTargetKey } from '../shared/windows-fs.js';
import { ConvergeError } from '../../platform/errors.js';

export interface WindowsSymlinkObserved {
  state: PathState;
  target?: string;
}

export const windowsSymlinkProvider: Provider<SymlinkSpec, WindowsSymlinkObserved> = {
  async desire(spec, ctx) {
    return { ...spec, target: linkText(spec, ctx) };
  },

  async observe(spec, ctx) {
    return observeLink(ctx.local(spec.symlink), ctx);
  },

  diff(spec, observed) {
    if (!observed) return [{ property: 'ensure', from: null, to: `symlink → ${spec.target}` }];
    if (observed.state.kind !== 'symlink') return [typeChange(observed.state.kind, 'symlink', `symlink → ${spec.target}`, spec.force)];
    if (windowsTargetKey(observed.target ?? '') !== windowsTargetKey(spec.target)) {
      const change: Change = { property: 'target', from: observed.target ?? null, to: spec.target };
      return [change];
    }
    return [];
  },

  async apply(spec, _changes, ctx) {
    const local = ctx.local(spec.symlink);
    const current = await statPath(local, ctx);
    if (current?.kind === 'directory') {
      if (!spec.force) throw new ConvergeError('invalid-input', `${spec.symlink} is a directory; refusing to replace it with a link (set force: true to remove it and its contents)`);
      await ctx.backups.save(local);
      await rm(local, { recursive: true });
    } else if (current) {
      await ctx.backups.save(local);
      await retryBusy(() => unlink(local));
    }
    await ensureParent(local, ctx);
    const made = await createWindowsLink(spec.target, local);
    if (made === 'junction') ctx.log.child({ component: 'symlink' }).info({ link: spec.symlink, target: spec.target }, 'made a directory junction: the symlink privilege is missing');
  },

  async remove(spec, ctx) {
    const local = ctx.local(spec.symlink);
    const current = await statPath(local, ctx);
    if (!current) return;
    if (current.kind !== 'symlink') throw new ConvergeError('invalid-input', `${spec.symlink} is a ${current.kind}, not a link; not removing it`);
    await ctx.backups.save(local);
    await retryBusy(() => unlink(local));
  },
};
