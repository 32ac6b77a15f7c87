// Windows local groups through the run's PowerShell host.
import type { Change, Provider } from '../types.js';
import type { GroupDesired } from './schema.js';
import { GET_LOCAL_GROUP, REMOVE_LOCAL_GROUP, SET_LOCAL_GROUP } from './powershell.js';
import { memberEdits } from './members.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';
import { underRoot } from '../shared/os-skip.js';

/** A local group's members (short names). */
export interface WindowsGroupObserved {
  members: string[];
}

export const windowsGroupProvider: Provider<GroupDesired, WindowsGroupObserved> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const raw = await (await powershell(ctx)).one<{ found: boolean; members?: string[] | string }>(GET_LOCAL_GROUP, { Name: spec.group });
    if (!raw?.found) return null;
    return { members: raw.members === undefined ? [] : Array.isArray(raw.members) ? raw.members : [raw.members] };
  },

  diff(spec, observed) {
    if (spec.sandboxed) return [{ property: 'ensure', from: null, to: 'present', skipped: underRoot('the Windows account database', psDisplay('New-LocalGroup', { Name: spec.group })) }];
    const changes: Change[] = [];
    if (!observed) changes.push({ property: 'ensure', from: null, to: 'present' });
    if (spec.members !== undefined) {
      const { add, remove } = memberEdits(spec.members, observed?.members ?? []);
      if (add.length || remove.length) changes.push({ property: 'members', from: observed?.members.join(', ') || '(none)', to: spec.members.join(', ') || '(none)' });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const create = changes.some((c) => c.property === 'ensure');
    const { add, remove } = memberEdits(spec.members ?? [], create ? [] : ((await windowsGroupProvider.observe(spec, ctx))?.members ?? []));
    await (await powershell(ctx)).invoke(SET_LOCAL_GROUP, { Name: spec.group, Create: create, Add: spec.members ? add : [], Remove: spec.members ? remove : [] });
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    await (await powershell(ctx)).invoke(REMOVE_LOCAL_GROUP, { Name: spec.group });
  },
};
