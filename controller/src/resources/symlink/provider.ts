// Symbolic links on Linux and macOS: created under a temp name and renamed into
// place, so the link is replaced atomically and never followed.
import type { Change, Provider } from '../types.js';
import type { SymlinkSpec } from './schema.js';
import { linkText, observeLink } from './observe.js';
import { attributeChanges, ensureParent, makeSymlink, removeTree, setAttributes, statPath, typeChange, unlinkPath } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { ConvergeError } from '../../platform/errors.js';

export interface SymlinkObserved {
  state: PathState;
  target?: string;
  privileged: boolean;
}

export const posixSymlinkProvider: Provider<SymlinkSpec, SymlinkObserved> = {
  async desire(spec, ctx) {
    return { ...spec, target: linkText(spec, ctx) };
  },

  async observe(spec, ctx) {
    const seen = await observeLink(ctx.local(spec.symlink), ctx);
    return seen && { ...seen, privileged: ctx.privileged };
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: `symlink → ${spec.target}` });
    else if (observed.state.kind !== 'symlink') changes.push(typeChange(observed.state.kind, 'symlink', `symlink → ${spec.target}`, spec.force));
    else if (observed.target !== spec.target) changes.push({ property: 'target', from: observed.target ?? null, to: spec.target });
    const isLink = observed?.state.kind === 'symlink';
    changes.push(...attributeChanges({ owner: spec.owner, group: spec.group }, isLink ? observed!.state : null, { privileged: observed?.privileged ?? true }));
    return changes;
  },

  async apply(spec, changes, ctx) {
    const local = ctx.local(spec.symlink);
    const current = await statPath(local, ctx);
    const relink = !current || current.kind !== 'symlink' || changes.some((c) => c.property === 'target');
    if (relink) {
      if (current?.kind === 'directory') {
        if (!spec.force) {
          throw new ConvergeError('invalid-input', `${spec.symlink} is a directory; refusing to replace it with a link (set force: true to remove it and its contents)`);
        }
        await ctx.backups.save(local);
        removeTree(local, ctx);
      }
      await ensureParent(local, ctx);
      await ctx.backups.save(local);
      makeSymlink(local, spec.target, ctx);
    }
    if (spec.owner !== undefined || spec.group !== undefined) await setAttributes(local, { owner: spec.owner, group: spec.group }, ctx);
  },

  async remove(spec, ctx) {
    const local = ctx.local(spec.symlink);
    const current = await statPath(local, ctx);
    if (!current) return;
    if (current.kind !== 'symlink') throw new ConvergeError('invalid-input', `${spec.symlink} is a ${current.kind}, not a symlink; not removing it`);
    await ctx.backups.save(local);
    unlinkPath(local, ctx);
  },
};
