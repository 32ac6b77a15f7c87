// The names Ansible templates use for the machine (`inventory_hostname`,
// `ansible_os_family`, `ansible_memtotal_mb` …), mapped to converge's host and
// facts, so an Ansible role's .j2 renders without rewriting. A host var of the
// same name wins, as an Ansible host var does over a fact.

interface HostLike {
  name: string;
  os: string;
  arch: string;
}

const FAMILY: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Debian', raspbian: 'Debian', linuxmint: 'Debian', pop: 'Debian',
  fedora: 'RedHat', rhel: 'RedHat', centos: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', ol: 'RedHat', amzn: 'RedHat',
  arch: 'Archlinux', manjaro: 'Archlinux', opensuse: 'Suse', 'opensuse-leap': 'Suse', sles: 'Suse', alpine: 'Alpine', gentoo: 'Gentoo',
  macos: 'Darwin', windows: 'Windows',
};
const DISTRIBUTION: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Ubuntu', fedora: 'Fedora', rhel: 'RedHat', centos: 'CentOS', rocky: 'Rocky', almalinux: 'AlmaLinux',
  arch: 'Archlinux', alpine: 'Alpine', opensuse: 'openSUSE', 'opensuse-leap': 'openSUSE Leap', amzn: 'Amazon', macos: 'MacOSX', windows: 'Microsoft Windows',
};

function architecture(os: string, arch: string): string {
  if (arch === 'x64') return os === 'windows' ? '64-bit' : 'x86_64';
  if (arch === 'arm64') return os === 'macos' ? 'arm64' : 'aarch64';
  return arch;
}

/** The Ansible-named values for a host with these facts. */
export function ansibleNames(host: HostLike, facts: Record<string, unknown>): Record<string, unknown> {
  const distro = String(facts.distro ?? host.os);
  const version = String(facts.distroVersion ?? '');
  const hostname = String(facts.hostname ?? host.name);
  const values: Record<string, unknown> = {
    hostname,
    nodename: hostname,
    fqdn: hostname,
    os_family: FAMILY[distro] ?? distro,
    distribution: DISTRIBUTION[distro] ?? distro.charAt(0).toUpperCase() + distro.slice(1),
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? version,
    system: host.os === 'linux' ? 'Linux' : host.os === 'macos' ? 'Darwin' : 'Win32NT',
    architecture: architecture(host.os, host.arch),
    kernel: facts.kernel ?? '',
    processor_vcpus: facts.cpus ?? 0,
    processor_nproc: facts.cpus ?? 0,
    memtotal_mb: facts.memoryMb ?? 0,
  };
  const names: Record<string, unknown> = {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    ansible_managed: 'Managed by converge: local changes are overwritten',
    ansible_facts: { ...values },
    group_names: [],
  };
  for (const [k, v] of Object.entries(values)) names[`ansible_${k}`] = v;
  return names;
}
