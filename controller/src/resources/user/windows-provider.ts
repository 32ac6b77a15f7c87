// Windows local accounts through the run's PowerShell host. Windows has no
// "locked password, key sign-in" state: `password: locked` disables the
// account for sign-in (converge itself runs as SYSTEM and needs no password).
import type { Change, Provider } from '../types.js';
import type { UserDesired } from './schema.js';
import { GET_LOCAL_USER, NEW_LOCAL_USER, REMOVE_LOCAL_USER, SET_LOCAL_USER } from './powershell.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';
import { underRoot } from '../shared/os-skip.js';

/** A local user as Get-LocalUser reports it. */
export interface WindowsUserObserved {
  enabled: boolean;
  fullName: string;
  groups: string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export const windowsUserProvider: Provider<UserDesired, WindowsUserObserved> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const raw = await (await powershell(ctx)).one<{ found: boolean; enabled?: boolean; fullName?: string; groups?: string[] | string }>(GET_LOCAL_USER, { Name: spec.user, Groups: spec.groups ?? [] });
    if (!raw?.found) return null;
    // Windows PowerShell 5.1 turns a one-element array into its element
    const groups = raw.groups === undefined ? [] : Array.isArray(raw.groups) ? raw.groups : [raw.groups];
    return { enabled: raw.enabled !== false, fullName: raw.fullName ?? '', groups };
  },

  diff(spec, observed) {
    if (spec.sandboxed) {
      return [{ property: 'ensure', from: null, to: 'present', skipped: underRoot('the Windows account database', `${psDisplay('New-LocalUser', { Name: spec.user })} -NoPassword`) }];
    }
    if (!observed) return [{ property: 'ensure', from: null, to: 'present' }];
    const changes: Change[] = [];
    if (spec.comment !== undefined && spec.comment !== observed.fullName) changes.push({ property: 'comment', from: observed.fullName || null, to: spec.comment });
    const missing = (spec.groups ?? []).filter((g) => !observed.groups.some((h) => same(g, h)));
    if (missing.length) changes.push({ property: 'groups', from: observed.groups.join(', ') || '(none of them)', to: (spec.groups ?? []).join(', ') });
    if (spec.password === 'locked' && observed.enabled) changes.push({ property: 'password', from: 'sign-in enabled', to: 'locked (account disabled for sign-in)' });
    return changes;
  },

  async apply(spec, changes, ctx) {
    const ps = await powershell(ctx);
    const has = (p: string) => changes.some((c) => c.property === p);
    if (has('ensure')) {
      await ps.invoke(NEW_LOCAL_USER, { Name: spec.user, FullName: spec.comment ?? '', Disabled: spec.password === 'locked' });
      if (spec.groups?.length) await ps.invoke(SET_LOCAL_USER, { Name: spec.user, FullName: '', SetFullName: false, AddGroups: spec.groups, Disable: false });
      return;
    }
    const observed = await windowsUserProvider.observe(spec, ctx);
    await ps.invoke(SET_LOCAL_USER, {
      Name: spec.user,
      FullName: spec.comment ?? '',
      SetFullName: has('comment'),
      AddGroups: has('groups') ? (spec.groups ?? []).filter((g) => !observed?.groups.some((h) => same(g, h))) : [],
      Disable: has('password'),
    });
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    await (await powershell(ctx)).invoke(REMOVE_LOCAL_USER, { Name: spec.user });
  },
};
