// `user`: a local account (the automation account mdt), with its groups, shell,
// home, a locked or vault-held password, and sudo rights on Linux and macOS.
import type { Provider, ResourceType, SpecProblem } from '../types.js';
import type { UserDesired } from './schema.js';
import { linuxUserProvider } from './linux-provider.js';
import { macUserProvider } from './macos-provider.js';
import { windowsUserProvider } from './windows-provider.js';
import { sudoersPath } from './sudoers.js';

export const user: ResourceType<UserDesired> = {
  name: 'user',
  description: 'a local account: groups (at least), shell, home, comment, a locked password or a hash from Key Vault, sudo rights (a sudoers.d file checked by visudo); useradd/usermod on Linux, dscl on macOS, local accounts on Windows',
  os: ['linux', 'macos', 'windows'],
  check(spec, host) {
    const problems: SpecProblem[] = [];
    if (host.os === 'windows') {
      for (const key of ['uid', 'group', 'home', 'shell', 'system', 'sudo'] as const) {
        if (spec[key] !== undefined) problems.push({ path: [key], message: `${key} is a POSIX setting; ${host.name} is a Windows host (administrators: groups: [Administrators])` });
      }
      if (spec.password !== undefined && spec.password !== 'locked') problems.push({ path: ['password'], message: 'Windows takes no password hash; a Windows account is locked (disabled for password sign-in) or left alone' });
    }
    if (host.os === 'macos') {
      if (spec.system !== undefined) problems.push({ path: ['system'], message: 'system is a Linux setting; on macOS give a uid below 500' });
      if (spec.password !== undefined && spec.password !== 'locked') problems.push({ path: ['password'], message: 'macOS keeps passwords as ShadowHashData, not crypt(3) hashes: only locked is supported here' });
    }
    return problems;
  },
  watchPaths: (spec) => (spec.sudo ? [sudoersPath(spec.user, 'linux')] : []),
  // its groups come first (a group's members: come after their users only when the group says requires:)
  autoRequires: (spec) => [...(spec.group ? [spec.group] : []), ...(spec.groups ?? [])].map((g) => `group:${g}`),
  provider: (os) => (os === 'windows' ? windowsUserProvider : os === 'macos' ? macUserProvider : linuxUserProvider) as Provider<UserDesired>,
};
