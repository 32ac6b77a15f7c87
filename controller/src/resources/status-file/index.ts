// `statusFile`: the health signal devices write after a converge (the seed's
// `_status.json`). Converged after every other resource of the host.
import type { ResourceType } from '../types.js';
import type { StatusFileSpec } from './schema.js';
import { statusFileProvider } from './provider.js';
import { rejectPosixOnWindows } from '../shared/windows-attributes.js';
import { OSES } from '../../platform/os.js';
import { pathFieldProblems } from '../shared/path-fields.js';
import type { PathField } from '../shared/path-fields.js';

export const statusFile: ResourceType<StatusFileSpec> = {
  name: 'statusFile',
  description: 'the _status.json health signal: host, time, commit, result counts',
  os: OSES,
  titleIsPath: true,
  runsLast: true,
  check: (spec, host) => [
    ...rejectPosixOnWindows(spec, host),
    ...pathFieldProblems(host, [
      ...Object.entries(spec.include ?? {}).map(([key, p]): PathField => [['include', key], p]),
      ...(spec.mounts ?? []).map((p, i): PathField => [['mounts', i], p]),
    ]),
  ],
  watchPaths: (spec) => [spec.statusFile],
  provider: () => statusFileProvider,
};
