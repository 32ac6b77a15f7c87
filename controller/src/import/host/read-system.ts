// The parts of a live Linux machine that are not files under a path: systemd
// units and timers (their files, whether enabled), the packages installed by
// hand (apt-mark showmanual), local accounts (uid/gid 1000 and up).
import type { Runner } from '../../platform/runner.js';
import type { ImportedResource } from './read-paths.js';
import { groupsOf, readAccountFiles } from '../../resources/shared/account-files.js';
import { ConvergeError } from '../../platform/errors.js';

/** A unit converge would write (its file is under /etc/systemd/system) or only enable (a package's). */
export async function readUnits(names: readonly string[], runner: Runner): Promise<{ resources: ImportedResource[]; files: Map<string, string> }> {
  const resources: ImportedResource[] = [];
  const files = new Map<string, string>();
  for (const name of names) {
    const r = await runner.run('systemctl', ['show', '--property=FragmentPath,UnitFileState', '--', name]);
    if (r.exitCode !== 0) throw new ConvergeError('io', `systemctl show ${name} failed: ${r.stderr.trim()}`);
    const props = Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const fragment = props.FragmentPath ?? '';
    const enabled = props.UnitFileState === 'enabled';
    if (!fragment) throw new ConvergeError('not-found', `no unit ${name} on this machine`);
    if (fragment.startsWith('/etc/systemd/system/')) {
      const source = `files/imported/units/${name}`;
      files.set(source, fragment);
      resources.push({ unit: name, source, enabled });
    } else {
      // a package's unit: only its state is the machine's own
      resources.push({ service: name.replace(/\.service$/, ''), enabled });
    }
  }
  return { resources, files };
}

/** The packages installed by hand, as apt knows them. */
export async function readPackages(runner: Runner): Promise<ImportedResource[]> {
  const r = await runner.run('apt-mark', ['showmanual']);
  if (r.exitCode !== 0) throw new ConvergeError('io', `apt-mark showmanual failed (only apt systems are read for now): ${r.stderr.trim()}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort().map((name) => ({ package: name }));
}

/** Local accounts of people and services (ids 1000-59999), and their own groups. Passwords are never read. */
export function readAccounts(local: (p: string) => string, root = '/'): ImportedResource[] {
  const files = readAccountFiles({ local, root });
  if (!files) return [];
  const human = (id: number) => id >= 1000 && id < 60000;
  const users = files.users.filter((u) => human(u.uid));
  const primary = new Set(users.map((u) => u.gid));
  const out: ImportedResource[] = [];
  for (const g of files.groups.filter((g) => human(g.gid) && !primary.has(g.gid))) out.push({ group: g.name, gid: g.gid, members: [...g.members].sort() });
  for (const u of users) {
    const groups = groupsOf(files, u.name);
    out.push({ user: u.name, uid: u.uid, comment: u.comment, home: u.home, shell: u.shell, ...(groups.length ? { groups } : {}) });
  }
  return out;
}
