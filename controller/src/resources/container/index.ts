// `container`: a podman container run by a generated systemd service.
import type { ResourceType } from '../types.js';
import type { ContainerDesired } from './schema.js';
import { containerProvider } from './provider.js';
import { containerUnitName, hostPathsOf } from './unit-text.js';
import { envFileIds, isPathRef, resolveEnvFiles } from '../shared/env-files.js';
import { pathFieldProblems } from '../shared/path-fields.js';
import type { PathField } from '../shared/path-fields.js';
import { unitFilePath } from '../shared/systemd/names.js';
import { lineBreakProblems } from '../shared/line-breaks.js';

export const container: ResourceType<ContainerDesired> = {
  name: 'container',
  description: 'a podman container (image, command, ports, volumes, env, env files) run by a generated systemd service',
  os: ['linux'],
  check: (spec, host) => [
    ...lineBreakProblems(spec),
    ...pathFieldProblems(host, (spec.envFiles ?? []).map((ref, i): PathField => [['envFiles', i], isPathRef(ref) ? ref : undefined])),
  ],
  prepare(spec, helper) {
    if (!spec.envFiles?.length) return spec;
    return { ...spec, envFilePaths: resolveEnvFiles(spec.envFiles, helper, ['envFiles']).map((r) => r.path) };
  },
  autoRequires(spec) {
    // any mount holding a volume or env file (ids that do not exist are dropped)
    return [...new Set(hostPathsOf(spec).flatMap(ancestors).map((p) => `mount:${p}`))];
  },
  // restarted when an env file it reads changes (rotated secrets)
  autoSubscribe: (spec) => envFileIds(spec.envFiles),
  watchPaths: (spec) => [unitFilePath(containerUnitName(spec.container))],
  provider: () => containerProvider,
};

/** `/a/b/c` → `/a/b/c`, `/a/b`, `/a`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = p.replace(/\/+$/, '');
  while (cur && cur !== '/') {
    out.push(cur);
    cur = cur.slice(0, cur.lastIndexOf('/'));
  }
  return out;
}
