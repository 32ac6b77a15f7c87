// `mount`: a filesystem at a mount point. Resources below the mount point
// follow it; units that `requires: [mount:/x]` wait for it (RequiresMountsFor).
import type { Provider, ResourceType, SpecProblem } from '../types.js';
import type { MountDesired } from './schema.js';
import { systemdMountProvider } from './provider.js';
import { lazyProviders } from '../shared/lazy-provider.js';
import { envFileIds, isPathRef, resolveEnvFiles } from '../shared/env-files.js';
import { unitFilePath, mountUnitName } from '../shared/systemd/names.js';
import { lineBreakProblems } from '../shared/line-breaks.js';
import { pathFieldProblems } from '../shared/path-fields.js';

export const mount: ResourceType<MountDesired> = {
  name: 'mount',
  description: 'a mounted filesystem (SMB/CIFS, NFS, bind…): systemd .mount/.automount units on Linux; on macOS an SMB share mounted by its user (soft,nobrowse), kept mounted by a LaunchAgent',
  os: ['linux', 'macos'],
  titleIsPath: true,
  holdsPaths: true,
  check(spec, host) {
    const problems: SpecProblem[] = lineBreakProblems(spec);
    if (host.os === 'macos' && !['cifs', 'smb3', 'smbfs'].includes(spec.fstype)) {
      problems.push({ path: ['fstype'], message: `on macOS converge mounts SMB shares (cifs/smbfs); ${spec.fstype} is not supported there yet` });
    }
    if (host.os === 'linux' && spec.user !== undefined) problems.push({ path: ['user'], message: 'user is for macOS, where a share is mounted by the user who reads it; on Linux use uid=/gid= options' });
    if (host.os !== 'linux') {
      for (const key of ['automount', 'idleTimeout'] as const) {
        if (spec[key] !== undefined) problems.push({ path: [key], message: `${key} is a systemd setting; ${host.name} is a ${host.os} host` });
      }
    }
    if (spec.idleTimeout !== undefined && !spec.automount) problems.push({ path: ['idleTimeout'], message: 'idleTimeout needs automount: true' });
    if (spec.credentials !== undefined && !['cifs', 'smb3'].includes(spec.fstype)) {
      problems.push({ path: ['credentials'], message: `credentials files are for cifs mounts; this one is ${spec.fstype}` });
    }
    if (spec.credentials !== undefined && isPathRef(spec.credentials)) problems.push(...pathFieldProblems(host, [[['credentials'], spec.credentials]]));
    if (spec.mount === '/') problems.push({ path: ['mount'], message: 'converge does not manage the root filesystem' });
    return problems;
  },
  prepare(spec, helper) {
    if (spec.credentials === undefined) return spec;
    const [ref] = resolveEnvFiles([spec.credentials], helper, ['credentials']);
    return { ...spec, credentialsPath: ref!.path };
  },
  autoRequires(spec) {
    return spec.credentials && !isPathRef(spec.credentials) ? envFileIds([spec.credentials]) : [];
  },
  watchPaths: (spec) => [unitFilePath(mountUnitName(spec.mount)), ...(spec.automount ? [unitFilePath(mountUnitName(spec.mount, 'automount'))] : [])],
  // The macOS provider (launchd, plist) is imported only when a host needs it.
  ...lazyProviders(async () => {
    const { macosMountProvider } = await import('./macos-provider.js');
    return (os) => (os === 'macos' ? (macosMountProvider as unknown as Provider<MountDesired>) : systemdMountProvider);
  }),
};
