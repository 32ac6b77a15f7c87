// The Linux package managers converge drives: how to ask what is installed
// (one call for all packages of the run) and how to install and remove. Pure
// command lines and parsers, tested against real output.

/** An installed package's version, or null when it is not installed. */
export type Installed = Map<string, string | null>;

export interface PackageManager {
  readonly name: 'apt' | 'dnf';
  /** The program that must exist (host path) for this manager to be the one. */
  readonly probe: string;
  /** The query for `names`: [program, args]. `root` is the sandbox root, when not `/`. */
  query(names: readonly string[], root: string | null): [string, string[]];
  parseQuery(stdout: string, names: readonly string[]): Installed;
  install(items: readonly string[]): [string, string[]];
  remove(names: readonly string[]): [string, string[]];
  /** `name=version` or `name-version`. */
  pin(name: string, version: string): string;
  /** The metadata refresh that may fix a failed install, and how to recognise that failure. */
  update: [string, string[]];
  isStale(output: string): boolean;
  env: Record<string, string>;
}

/** apt/dpkg (Debian, Ubuntu). */
export const apt: PackageManager = {
  name: 'apt',
  probe: '/usr/bin/apt-get',
  query(names, root) {
    const admin = root ? [`--admindir=${root.replace(/\/$/, '')}/var/lib/dpkg`] : [];
    return ['dpkg-query', [...admin, '--show', '--showformat=${Package}\\t${db:Status-Abbrev}\\t${Version}\\n', '--', ...names]];
  },
  parseQuery(stdout, names) {
    const out: Installed = new Map(names.map((n) => [n, null]));
    for (const line of stdout.split('\n')) {
      const [name, status, version] = line.split('\t');
      if (!name || status === undefined) continue;
      // "ii " installed; "rc " removed with config left; "iU", "iF" half-installed: not installed
      const installed = status.trim() === 'ii' || status.startsWith('hi');
      const key = out.has(name) ? name : names.find((n) => n.split(':')[0] === name) ?? name;
      if (installed) out.set(key, version ?? '');
    }
    return out;
  },
  install: (items) => ['apt-get', ['install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', '--', ...items]],
  remove: (names) => ['apt-get', ['remove', '-y', '-q', '--', ...names]],
  pin: (name, version) => `${name}=${version}`,
  update: ['apt-get', ['update', '-q']],
  isStale: (output) => /Unable to locate package|has no installation candidate|404\s+Not Found|Failed to fetch/i.test(output),
  env: { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none' },
};

/** dnf/rpm (Fedora, RHEL and friends). */
export const dnf: PackageManager = {
  name: 'dnf',
  probe: '/usr/bin/dnf',
  query(names, root) {
    return ['rpm', [...(root ? ['--root', root] : []), '-q', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\n', '--', ...names]];
  },
  parseQuery(stdout, names) {
    const out: Installed = new Map(names.map((n) => [n, null]));
    for (const line of stdout.split('\n')) {
      const [name, version] = line.split('\t');
      if (name && version !== undefined && out.has(name)) out.set(name, version);
    }
    return out;
  },
  install: (items) => ['dnf', ['install', '-y', '-q', '--', ...items]],
  remove: (names) => ['dnf', ['remove', '-y', '-q', '--', ...names]],
  pin: (name, version) => `${name}-${version}`,
  update: ['dnf', ['makecache', '-q']],
  isStale: (output) => /No match for argument|Cannot download|Status code: 404/i.test(output),
  env: {},
};

export const MANAGERS: readonly PackageManager[] = [apt, dnf];
