// User and group names ↔ ids, read from the managed root's /etc/passwd and
// /etc/group (so a sandbox root with its own accounts resolves like a chroot),
// falling back to this machine's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { macGid, macUid, macUserName } from './users-macos.js';

export interface UserDb {
  uid(nameOrId: string): number | undefined;
  gid(nameOrId: string): number | undefined;
  userName(uid: number): string;
  groupName(gid: number): string;
  /** Drop what was read, after converge itself added or changed an account. */
  forget?(): void;
}

/** Accounts of `root` (its etc/passwd and etc/group, else this machine's). */
export function createUserDb(root: string): UserDb {
  let users: Table | undefined;
  let groups: Table | undefined;
  const u = (): Table => (users ??= readTable(root, 'passwd'));
  const g = (): Table => (groups ??= readTable(root, 'group'));
  // A real Mac keeps most accounts in Directory Services.
  const mac = root === '/' && process.platform === 'darwin';
  return {
    uid: (x) => (/^\d+$/.test(x) ? Number(x) : u().byName.get(x) ?? (mac ? macUid(x) : undefined)),
    gid: (x) => (/^\d+$/.test(x) ? Number(x) : g().byName.get(x) ?? (mac ? macGid(x) : undefined)),
    userName: (id) => u().byId.get(id) ?? (mac ? macUserName(id) : undefined) ?? String(id),
    groupName: (id) => g().byId.get(id) ?? String(id),
    forget() {
      users = undefined;
      groups = undefined;
    },
  };
}

interface Table {
  byName: Map<string, number>;
  byId: Map<number, string>;
}

function readTable(root: string, name: 'passwd' | 'group'): Table {
  const table: Table = { byName: new Map(), byId: new Map() };
  const candidates = root === '/' ? [`/etc/${name}`] : [path.join(root, 'etc', name), `/etc/${name}`];
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const [entry, , id] = line.split(':');
      if (!entry || id === undefined || !/^\d+$/.test(id)) continue;
      if (!table.byName.has(entry)) table.byName.set(entry, Number(id));
      if (!table.byId.has(Number(id))) table.byId.set(Number(id), entry);
    }
    break;
  }
  return table;
}
