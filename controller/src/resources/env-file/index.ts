// `envFile`: an env file named in secrets-map.yml, rendered from the secret
// backend (Key Vault, or a file in labs) with mode 0600. Containers, units and
// mounts that read it refer to it by name and follow it.
import type { ResourceType } from '../types.js';
import type { EnvFileDesired } from './schema.js';
import { envFileProvider } from './provider.js';
import { hostPaths } from '../../platform/paths.js';
import { OSES } from '../../platform/os.js';

const posixProvider = envFileProvider(true);
const windowsProvider = envFileProvider(false);

export const envFile: ResourceType<EnvFileDesired> = {
  name: 'envFile',
  description: 'an env file of secrets-map.yml, rendered from the secret backend with mode 0600',
  // prepare adds what the map says (path, owner, secrets) to what the manifest says.
  os: OSES,
  prepare(spec, helper) {
    const ref = helper.envFile(spec.envFile);
    return {
      ...spec,
      path: ref.path,
      ...(ref.owner !== undefined ? { owner: ref.owner } : {}),
      ...(ref.group !== undefined ? { group: ref.group } : {}),
      secrets: ref.vars,
    };
  },
  autoRequires(spec, host) {
    // After the directory or mount that holds the file, whichever the host declares.
    const paths = hostPaths(host.os, typeof host.vars.user === 'string' ? host.vars.user : undefined);
    const ids: string[] = [];
    for (let dir = paths.dirname(spec.path), guard = 0; guard < 256; dir = paths.dirname(dir), guard++) {
      ids.push(`directory:${dir}`, `mount:${dir}`);
      if (paths.dirname(dir) === dir) break;
    }
    return ids;
  },
  watchPaths: (spec) => [spec.path],
  inventorySpec: ({ values: _values, ...rest }) => rest,
  provider: (os) => (os === 'windows' ? windowsProvider : posixProvider),
};
