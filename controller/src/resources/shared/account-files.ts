// The account database of a POSIX root as shadow utils keep it (etc/passwd,
// etc/group, etc/shadow), read straight from the files under the managed root,
// so a --root sandbox is observed the way `useradd --prefix` writes it. The
// files are read leniently: a line that does not parse is skipped. They are
// read through the safe walk (posix-path.ts): a link a local user planted in a
// sandbox's etc/ fails the resource instead of reading another root's files.
import type { Context } from '../types.js';
import { readPathIfFile } from './posix-path.js';

/** One line of etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

/** One line of etc/group. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The account files of one root. */
export interface AccountFiles {
  users: PasswdEntry[];
  groups: GroupEntry[];
  /** name → the password field of etc/shadow (a hash, `!…` when locked); empty when unreadable. */
  shadow: Map<string, string>;
}

/** The account files under ctx.root, or null when that root has no etc/passwd (an empty sandbox). */
export function readAccountFiles(ctx: Pick<Context, 'local' | 'root'>): AccountFiles | null {
  const readOptional = (file: string) => readPathIfFile(ctx.local(file), ctx)?.toString('utf8') ?? null;
  const passwd = readOptional('/etc/passwd');
  if (passwd === null) return null;
  const users: PasswdEntry[] = [];
  for (const line of lines(passwd)) {
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    users.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f.slice(6).join(':') });
  }
  const groups: GroupEntry[] = [];
  for (const line of lines(readOptional('/etc/group') ?? '')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!)) continue;
    groups.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) });
  }
  const shadow = new Map<string, string>();
  for (const line of lines(readOptional('/etc/shadow') ?? '')) {
    const f = line.split(':');
    if (f.length >= 2) shadow.set(f[0]!, f[1]!);
  }
  return { users, groups, shadow };
}

/** The supplementary groups of `user` (sorted names), from etc/group. */
export function groupsOf(files: AccountFiles, user: string): string[] {
  return files.groups.filter((g) => g.members.includes(user)).map((g) => g.name).sort();
}

/** A password field that no password opens: `!…` (locked) or `*…` (never set). An empty field opens without one: not locked. */
export function isLockedField(field: string | undefined): boolean {
  return field === undefined || field.startsWith('!') || field.startsWith('*');
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}
