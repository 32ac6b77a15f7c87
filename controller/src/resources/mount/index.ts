// `mount`: a filesystem at a mount point. Resources below the mount point
// follow it; units that `requires: [mount:/x]` wait for it (RequiresMountsFor).
import type { ResourceType } from '../types.js';
import { MountSpec } from './schema.js';
import type { MountDesired } from './schema.js';
import { systemdMountProvider } from './provider.js';
import { envFileIds, isPathRef, resolveEnvFiles } from '../shared/env-files.js';
import { unitFilePath, mountUnitName } from '../shared/systemd/names.js';

export const mount: ResourceType<MountDesired> = {
  name: 'mount',
  description: 'a mounted filesystem (SMB/CIFS, NFS, bind…): systemd .mount/.automount units, credentials from an env file',
  schema: MountSpec,
  os: ['linux'],
  titleIsPath: true,
  holdsPaths: true,
  check(spec, host) {
    const problems = [];
    if (host.os !== 'linux') {
      for (const key of ['automount', 'idleTimeout'] as const) {
        if (spec[key] !== undefined) problems.push({ path: [key], message: `${key} is a systemd setting; ${host.name} is a ${host.os} host` });
      }
    }
    if (spec.idleTimeout !== undefined && !spec.automount) problems.push({ path: ['idleTimeout'], message: 'idleTimeout needs automount: true' });
    if (spec.credentials !== undefined && !['cifs', 'smb3'].includes(spec.fstype)) {
      problems.push({ path: ['credentials'], message: `credentials files are for cifs mounts; this one is ${spec.fstype}` });
    }
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
  provider: () => systemdMountProvider,
};
