// Per-OS rules for a package spec: what a valid name is, and which fields the
// host's package manager understands. A provider for another OS adds its
// entry here (and its fields to the schema).
import type { HostInfo, SpecProblem } from '../types.js';
import type { PackageSpec } from './schema.js';

// Debian: lowercase letters, digits, + - . (at least two chars, starting alphanumeric); RPM is laxer, so the
// Debian rule is the common one; an architecture qualifier (:amd64) is allowed.
const LINUX_NAME = /^[a-z0-9][a-z0-9+._-]+(:[a-z0-9]+)?$/i;

const rules: Partial<Record<HostInfo['os'], (spec: PackageSpec, host: HostInfo) => SpecProblem[]>> = {
  linux(spec) {
    const problems: SpecProblem[] = [];
    if (!LINUX_NAME.test(spec.package)) problems.push({ path: ['package'], message: `'${spec.package}' is not a Linux package name (letters, digits, + - . _)` });
    if (spec.version !== undefined && /\s/.test(spec.version)) problems.push({ path: ['version'], message: 'a version has no spaces' });
    if (spec.installer !== undefined) problems.push({ path: ['installer'], message: 'installer is for Windows hosts; on Linux the package manager installs' });
    return problems;
  },
  windows(spec) {
    const problems: SpecProblem[] = [];
    const i = spec.installer;
    if (i && (i.type ?? (new URL(i.url).pathname.toLowerCase().endsWith('.msi') ? 'msi' : 'exe')) === 'exe' && !i.args?.length) {
      problems.push({ path: ['installer', 'args'], message: 'an EXE installer needs its silent-install arguments (args), or it waits for a person' });
    }
    if (i && !i.url.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(i.url)) {
      problems.push({ path: ['installer', 'url'], message: 'the installer URL must be https (the SHA256 pins the bytes, https keeps the download private)' });
    }
    return problems;
  },
};

/** Problems with a package spec on this host's OS. */
export function checkPackage(spec: PackageSpec, host: HostInfo): SpecProblem[] {
  const rule = rules[host.os];
  if (!rule) return [{ path: ['package'], message: `packages on ${host.os} hosts are not supported yet` }];
  return rule(spec, host);
}
