// `symlink`: a symbolic link (macOS ~/flux → ~/.mkt/flux and the like).
import type { Provider, ResourceType } from '../types.js';
import type { SymlinkSpec } from './schema.js';
import { posixSymlinkProvider } from './provider.js';
import { windowsSymlinkProvider } from './windows-provider.js';
import { rejectPosixOnWindows } from '../shared/windows-attributes.js';
import { OSES } from '../../platform/os.js';
import { hostPaths } from '../../platform/paths.js';
import { pathFieldProblems } from '../shared/path-fields.js';

export const symlink: ResourceType<SymlinkSpec> = {
  name: 'symlink',
  description: 'a symbolic link to target',
  os: OSES,
  titleIsPath: true,
  concurrent: true,
  check: (spec, host) => [
    ...rejectPosixOnWindows(spec, host),
    // an absolute target in normal form, so the link points where it reads; a relative one stays as written
    ...(hostPaths(host.os).isAbsolute(spec.target) ? pathFieldProblems(host, [[['target'], spec.target]]) : []),
  ],
  autoRequires(spec, host) {
    // A link follows the resource that creates its target, when the host manages it.
    const paths = hostPaths(host.os, typeof host.vars.user === 'string' ? host.vars.user : undefined);
    if (!paths.isAbsolute(spec.target)) return [];
    const target = paths.normalize(spec.target);
    return [`directory:${target}`, `file:${target}`, `mount:${target}`];
  },
  watchPaths: (spec) => [spec.symlink],
  provider: (os) => (os === 'windows' ? windowsSymlinkProvider : posixSymlinkProvider) as Provider<SymlinkSpec>,
};
