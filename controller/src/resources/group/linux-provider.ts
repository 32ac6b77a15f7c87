// Linux groups through shadow utils: groupadd, groupmod (--users sets the
// whole member list), groupdel; --prefix ROOT under --root.
import type { Change, Provider } from '../types.js';
import type { GroupDesired } from './schema.js';
import { readAccountFiles } from '../shared/account-files.js';
import type { GroupEntry } from '../shared/account-files.js';
import { runShadow, shadowCommand } from '../shared/shadow-utils.js';
import { membersChange } from './members.js';

/** A group as etc/group has it, or the root has no account files. */
export interface LinuxGroupObserved {
  noAccountFiles?: string;
  entry?: GroupEntry;
}

export const linuxGroupProvider: Provider<GroupDesired, LinuxGroupObserved> = {
  async observe(spec, ctx) {
    const files = readAccountFiles(ctx);
    if (!files) return { noAccountFiles: ctx.root };
    const entry = files.groups.find((g) => g.name === spec.group);
    return entry ? { entry } : null;
  },

  absent: (observed) => observed.noAccountFiles !== undefined,

  diff(spec, observed) {
    if (observed?.noAccountFiles !== undefined) {
      return [{ property: 'ensure', from: null, to: 'present', skipped: `${observed.noAccountFiles} has no etc/passwd, so there are no accounts to manage under it; would run: ${shadowCommand('groupadd', groupaddArgs(spec), { sandboxed: false, root: '/' })}` }];
    }
    if (!observed?.entry) {
      const changes: Change[] = [{ property: 'ensure', from: null, to: 'present' }];
      const members = membersChange(spec.members, []);
      if (members) changes.push(members);
      return changes;
    }
    const changes: Change[] = [];
    if (spec.gid !== undefined && spec.gid !== observed.entry.gid) changes.push({ property: 'gid', from: String(observed.entry.gid), to: String(spec.gid) });
    const members = membersChange(spec.members, observed.entry.members);
    if (members) changes.push(members);
    return changes;
  },

  async apply(spec, changes, ctx) {
    const has = (p: string) => changes.some((c) => c.property === p);
    if (has('ensure')) await runShadow(ctx, 'groupadd', groupaddArgs(spec));
    if (has('gid')) await runShadow(ctx, 'groupmod', ['--gid', String(spec.gid), spec.group]);
    if (has('members')) await runShadow(ctx, 'groupmod', ['--users', (spec.members ?? []).join(','), spec.group]);
    ctx.users.forget?.();
  },

  async remove(spec, ctx) {
    if (!readAccountFiles(ctx)) return;
    await runShadow(ctx, 'groupdel', [spec.group]);
    ctx.users.forget?.();
  },
};

function groupaddArgs(spec: GroupDesired): string[] {
  const args: string[] = [];
  if (spec.gid !== undefined) args.push('--gid', String(spec.gid));
  if (spec.system) args.push('--system');
  args.push(spec.group);
  return args;
}
