// Linux accounts through shadow utils. Observed from the root's own account
// files; changed with useradd/usermod/userdel (with --prefix under --root), a
// hash set through chpasswd -e on stdin (never in an argument), sudo rights
// in a sudoers.d file visudo has checked.
import { existsSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import type { Change, Context, Provider } from '../types.js';
import type { UserDesired } from './schema.js';
import { groupsOf, isLockedField, readAccountFiles } from '../shared/account-files.js';
import type { PasswdEntry } from '../shared/account-files.js';
import { runShadow, shadowCommand } from '../shared/shadow-utils.js';
import { readSudoers, sudoersText, writeSudoers } from './sudoers.js';
import { passwordChange, userDesire } from './password.js';
import { textChange } from './changes.js';
import { ConvergeError } from '../../platform/errors.js';

/** What a Linux root says about one account. */
export interface LinuxUserObserved {
  /** The root has no etc/passwd (an empty --root): nothing can be observed or changed there. */
  noAccountFiles?: string;
  entry?: PasswdEntry;
  group?: string;
  groups?: string[];
  passwordField?: string;
  sudoers?: string | null;
}

export const linuxUserProvider: Provider<UserDesired, LinuxUserObserved> = {
  async desire(spec, ctx) {
    const desired = await userDesire(spec, ctx);
    // a sandbox on a machine without sudo: the rule is shown, not written unchecked
    return ctx.sandboxed && spec.sudo && !visudoInstalled() ? { ...desired, noVisudo: true } : desired;
  },

  async observe(spec, ctx) {
    const files = readAccountFiles(ctx);
    if (!files) return { noAccountFiles: ctx.root };
    const entry = files.users.find((u) => u.name === spec.user);
    if (!entry) return null;
    return {
      entry,
      group: files.groups.find((g) => g.gid === entry.gid)?.name ?? String(entry.gid),
      groups: groupsOf(files, spec.user),
      passwordField: files.shadow.get(spec.user),
      sudoers: await readSudoers(ctx, spec.user),
    };
  },

  absent: (observed) => observed.noAccountFiles !== undefined,

  diff(spec, observed) {
    if (observed?.noAccountFiles !== undefined) {
      return [{ property: 'ensure', from: null, to: 'present', skipped: `${observed.noAccountFiles} has no etc/passwd, so there are no accounts to manage under it; would run: ${shadowCommand('useradd', useraddArgs(spec), { sandboxed: false, root: '/' })}` }];
    }
    if (!observed?.entry) {
      const changes: Change[] = [{ property: 'ensure', from: null, to: 'present' }];
      const pw = passwordChange(spec, undefined, true);
      if (pw) changes.push(pw);
      const sudo = sudoersText(spec.user, spec.sudo);
      if (sudo) changes.push(noVisudo(spec, textChange('sudoers', null, sudo)));
      return changes;
    }
    const { entry } = observed;
    const changes: Change[] = [];
    const field = (property: string, want: string | number | undefined, have: string | number) => {
      if (want !== undefined && String(want) !== String(have)) changes.push({ property, from: String(have), to: String(want) });
    };
    field('uid', spec.uid, entry.uid);
    if (spec.group !== undefined && spec.group !== observed.group && spec.group !== String(entry.gid)) changes.push({ property: 'group', from: observed.group ?? null, to: spec.group });
    const missing = (spec.groups ?? []).filter((g) => !observed.groups?.includes(g));
    if (missing.length) changes.push({ property: 'groups', from: (observed.groups ?? []).join(', ') || '(none)', to: [...(observed.groups ?? []), ...missing].sort().join(', ') });
    field('comment', spec.comment, entry.comment);
    field('home', spec.home, entry.home);
    field('shell', spec.shell, entry.shell);
    const pw = passwordChange(spec, observed.passwordField, false);
    if (pw) changes.push(pw);
    if (spec.sudo !== undefined) {
      const want = sudoersText(spec.user, spec.sudo);
      if (want !== (observed.sudoers ?? null)) changes.push(noVisudo(spec, textChange('sudoers', observed.sudoers ?? null, want)));
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const has = (p: string) => changes.some((c) => c.property === p);
    if (has('ensure')) {
      await runShadow(ctx, 'useradd', useraddArgs(spec));
    } else {
      const args: string[] = [];
      if (has('uid')) args.push('--uid', String(spec.uid));
      if (has('group')) args.push('--gid', spec.group!);
      if (has('groups')) args.push('--append', '--groups', spec.groups!.join(','));
      if (has('comment')) args.push('--comment', spec.comment!);
      if (has('home')) args.push('--home', spec.home!, '--move-home');
      if (has('shell')) args.push('--shell', spec.shell!);
      if (args.length) await runShadow(ctx, 'usermod', [...args, spec.user]);
    }
    ctx.users.forget?.();
    if (has('password')) await setPassword(spec, ctx);
    if (has('sudoers')) await writeSudoers(ctx, spec.user, sudoersText(spec.user, spec.sudo));
  },

  async remove(spec, ctx) {
    if (!readAccountFiles(ctx)) return;
    await writeSudoers(ctx, spec.user, null);
    // The home stays: it may hold data; removing it is a command resource's decision.
    await runShadow(ctx, 'userdel', [spec.user]);
    ctx.users.forget?.();
  },
};

function noVisudo(spec: UserDesired, change: Change): Change {
  return spec.noVisudo ? { ...change, skipped: 'visudo is not installed on this machine (package sudo), and converge writes no sudoers rule it cannot check' } : change;
}

function visudoInstalled(): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin').split(':').concat('/usr/sbin').some((dir) => existsSync(path.join(dir, 'visudo')));
}

/** useradd's arguments for a new account (its home made unless it is a system account). */
function useraddArgs(spec: UserDesired): string[] {
  const args: string[] = [];
  if (spec.uid !== undefined) args.push('--uid', String(spec.uid));
  if (spec.group !== undefined) args.push('--gid', spec.group);
  if (spec.groups?.length) args.push('--groups', spec.groups.join(','));
  if (spec.comment !== undefined) args.push('--comment', spec.comment);
  if (spec.home !== undefined) args.push('--home-dir', spec.home);
  if (spec.shell !== undefined) args.push('--shell', spec.shell);
  if (spec.system) args.push('--system');
  else args.push('--create-home');
  args.push(spec.user);
  return args;
}

async function setPassword(spec: UserDesired, ctx: Context): Promise<void> {
  if (spec.password === 'locked') {
    const field = readAccountFiles(ctx)?.shadow.get(spec.user);
    if (isLockedField(field)) return;
    // An empty field locked by usermod becomes "!": no password opens it either way.
    await runShadow(ctx, 'usermod', ['--lock', spec.user]);
    return;
  }
  if (spec.passwordHash === undefined) throw new ConvergeError('internal', `the password hash of ${spec.user} was not read`);
  await runShadow(ctx, 'chpasswd', ['--encrypted'], `${spec.user}:${spec.passwordHash}\n`);
}
