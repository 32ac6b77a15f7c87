// macOS groups through Directory Services: read with dscl, made, edited and
// deleted with dseditgroup.
import type { Change, Provider } from '../types.js';
import type { GroupDesired } from './schema.js';
import { dsclRead, runDs } from '../shared/dscl.js';
import { memberEdits, membersChange } from './members.js';
import { underRoot } from '../shared/os-skip.js';

const EDIT = '/usr/sbin/dseditgroup';

/** A group as Directory Services has it. */
export interface MacGroupObserved {
  gid: string;
  members: string[];
}

export const macGroupProvider: Provider<GroupDesired, MacGroupObserved> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const rec = await dsclRead(ctx, `/Groups/${spec.group}`, ['PrimaryGroupID', 'GroupMembership']);
    if (!rec) return null;
    return { gid: rec.PrimaryGroupID ?? '', members: (rec.GroupMembership ?? '').split(/\s+/).filter(Boolean) };
  },

  diff(spec, observed) {
    if (spec.sandboxed) return [{ property: 'ensure', from: null, to: 'present', skipped: underRoot('Directory Services', `dseditgroup -o create ${spec.group}`) }];
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'present' });
    else if (spec.gid !== undefined && String(spec.gid) !== observed.gid) changes.push({ property: 'gid', from: observed.gid, to: String(spec.gid) });
    const members = membersChange(spec.members, observed?.members ?? []);
    if (members) changes.push(members);
    return changes;
  },

  async apply(spec, changes, ctx) {
    const has = (p: string) => changes.some((c) => c.property === p);
    if (has('ensure')) await runDs(ctx, EDIT, ['-o', 'create', ...(spec.gid !== undefined ? ['-i', String(spec.gid)] : []), spec.group]);
    if (has('gid')) await runDs(ctx, '/usr/bin/dscl', ['.', '-create', `/Groups/${spec.group}`, 'PrimaryGroupID', String(spec.gid)]);
    if (has('members')) {
      const now = has('ensure') ? [] : ((await macGroupProvider.observe(spec, ctx))?.members ?? []);
      const { add, remove } = memberEdits(spec.members ?? [], now);
      for (const m of add) await runDs(ctx, EDIT, ['-o', 'edit', '-a', m, '-t', 'user', spec.group]);
      for (const m of remove) await runDs(ctx, EDIT, ['-o', 'edit', '-d', m, '-t', 'user', spec.group]);
    }
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    await runDs(ctx, EDIT, ['-o', 'delete', spec.group]);
  },
};
