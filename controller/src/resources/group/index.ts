// `group`: a local group and, when given, exactly its members.
import type { Provider, ResourceType, SpecProblem } from '../types.js';
import type { GroupDesired } from './schema.js';
import { linuxGroupProvider } from './linux-provider.js';
import { macGroupProvider } from './macos-provider.js';
import { windowsGroupProvider } from './windows-provider.js';

export const group: ResourceType<GroupDesired> = {
  name: 'group',
  description: 'a local group: gid, and exactly its members when given; groupadd/groupmod on Linux, dseditgroup on macOS, local groups on Windows',
  os: ['linux', 'macos', 'windows'],
  check(spec, host) {
    const problems: SpecProblem[] = [];
    if (host.os !== 'linux' && spec.system !== undefined) problems.push({ path: ['system'], message: `system is a Linux setting; ${host.name} is a ${host.os} host` });
    if (host.os === 'windows' && spec.gid !== undefined) problems.push({ path: ['gid'], message: `gid is a POSIX setting; ${host.name} is a Windows host` });
    return problems;
  },
  provider: (os) => (os === 'windows' ? windowsGroupProvider : os === 'macos' ? macGroupProvider : linuxGroupProvider) as Provider<GroupDesired>,
};
