// macOS accounts through Directory Services: read with dscl, made with dscl
// -create (the way MDM scripts make hidden service accounts), groups through
// dseditgroup, a home through createhomedir, sudo rights in a sudoers.d file
// visudo has checked. Locked means no password at all (Password "*").
import type { Change, Context, Provider } from '../types.js';
import type { UserDesired } from './schema.js';
import { dsclMembers, dsclRead, runDs } from '../shared/dscl.js';
import { readSudoers, sudoersText, writeSudoers } from './sudoers.js';
import { userDesire } from './password.js';
import { textChange } from './changes.js';
import { ConvergeError } from '../../platform/errors.js';
import { underRoot } from '../shared/os-skip.js';

const DSCL = '/usr/bin/dscl';
const KEYS = ['UniqueID', 'PrimaryGroupID', 'NFSHomeDirectory', 'UserShell', 'RealName', 'Password'];

/** A user as Directory Services has it. */
export interface MacUserObserved {
  uid: string;
  gid: string;
  home: string;
  shell: string;
  comment: string;
  locked: boolean;
  /** Of the groups the spec names, those the user is in. */
  groups: string[];
  sudoers: string | null;
}

export const macUserProvider: Provider<UserDesired, MacUserObserved> = {
  desire: userDesire,

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const rec = await dsclRead(ctx, `/Users/${spec.user}`, KEYS);
    if (!rec) return null;
    const groups: string[] = [];
    for (const g of spec.groups ?? []) if ((await dsclMembers(ctx, g))?.includes(spec.user)) groups.push(g);
    return {
      uid: rec.UniqueID ?? '',
      gid: rec.PrimaryGroupID ?? '',
      home: rec.NFSHomeDirectory ?? '',
      shell: rec.UserShell ?? '',
      comment: rec.RealName ?? '',
      locked: (rec.Password ?? '*') === '*',
      groups,
      sudoers: await readSudoers(ctx, spec.user),
    };
  },

  diff(spec, observed) {
    if (spec.sandboxed) return [{ property: 'ensure', from: null, to: 'present', skipped: underRoot('Directory Services', `dscl . -create /Users/${spec.user} …`) }];
    if (!observed) {
      const changes: Change[] = [{ property: 'ensure', from: null, to: 'present' }];
      const sudo = sudoersText(spec.user, spec.sudo);
      if (sudo) changes.push(textChange('sudoers', null, sudo));
      return changes;
    }
    const changes: Change[] = [];
    const field = (property: string, want: string | number | undefined, have: string) => {
      if (want !== undefined && String(want) !== have) changes.push({ property, from: have || null, to: String(want) });
    };
    field('uid', spec.uid, observed.uid);
    field('comment', spec.comment, observed.comment);
    field('home', spec.home, observed.home);
    field('shell', spec.shell, observed.shell);
    const missing = (spec.groups ?? []).filter((g) => !observed.groups.includes(g));
    if (missing.length) changes.push({ property: 'groups', from: observed.groups.join(', ') || '(none of them)', to: (spec.groups ?? []).join(', ') });
    if (spec.password === 'locked' && !observed.locked) changes.push({ property: 'password', from: 'set', to: 'locked' });
    if (spec.sudo !== undefined) {
      const want = sudoersText(spec.user, spec.sudo);
      if (want !== observed.sudoers) changes.push(textChange('sudoers', observed.sudoers, want));
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const has = (p: string) => changes.some((c) => c.property === p);
    const record = `/Users/${spec.user}`;
    const set = (key: string, value: string) => runDs(ctx, DSCL, ['.', '-create', record, key, value]);
    if (has('ensure')) {
      const uid = spec.uid ?? (await nextUid(ctx));
      await runDs(ctx, DSCL, ['.', '-create', record]);
      await set('UniqueID', String(uid));
      await set('PrimaryGroupID', await primaryGid(spec, ctx));
      await set('UserShell', spec.shell ?? '/bin/zsh');
      await set('RealName', spec.comment ?? spec.user);
      await set('NFSHomeDirectory', spec.home ?? `/Users/${spec.user}`);
      await set('Password', '*');
      await runDs(ctx, '/usr/sbin/createhomedir', ['-c', '-u', spec.user]);
    } else {
      if (has('uid')) await set('UniqueID', String(spec.uid));
      if (has('comment')) await set('RealName', spec.comment!);
      if (has('home')) await set('NFSHomeDirectory', spec.home!);
      if (has('shell')) await set('UserShell', spec.shell!);
      if (has('password')) {
        await set('Password', '*');
        // the ShadowHash authority is what a password opens; without it none does
        await ctx.runner.run(DSCL, ['.', '-delete', record, 'AuthenticationAuthority']);
      }
    }
    if (has('ensure') || has('groups')) {
      for (const g of spec.groups ?? []) await runDs(ctx, '/usr/sbin/dseditgroup', ['-o', 'edit', '-a', spec.user, '-t', 'user', g]);
    }
    if (has('sudoers')) await writeSudoers(ctx, spec.user, sudoersText(spec.user, spec.sudo));
  },

  async remove(spec, ctx) {
    if (ctx.sandboxed) return;
    await writeSudoers(ctx, spec.user, null);
    // the home stays, as on Linux
    await runDs(ctx, '/usr/sbin/sysadminctl', ['-deleteUser', spec.user, '-keepHome']);
  },
};

/** The first free uid from 501 (macOS' first user uid) up. */
async function nextUid(ctx: Context): Promise<number> {
  const r = await ctx.runner.run(DSCL, ['.', '-list', '/Users', 'UniqueID']);
  if (r.exitCode !== 0) throw new ConvergeError('io', `dscl . -list /Users UniqueID failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  const used = new Set(r.stdout.split('\n').map((l) => Number(l.trim().split(/\s+/)[1])).filter(Number.isFinite));
  let uid = 501;
  while (used.has(uid)) uid++;
  return uid;
}

async function primaryGid(spec: UserDesired, ctx: Context): Promise<string> {
  if (spec.group === undefined) return '20'; // staff, as System Settings makes users
  if (/^\d+$/.test(spec.group)) return spec.group;
  const rec = await dsclRead(ctx, `/Groups/${spec.group}`, ['PrimaryGroupID']);
  if (!rec?.PrimaryGroupID) throw new ConvergeError('invalid-input', `no group '${spec.group}' in Directory Services`);
  return rec.PrimaryGroupID;
}
