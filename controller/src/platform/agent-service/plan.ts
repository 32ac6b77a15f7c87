// Which steps install or remove the agent service on an OS.
import type { OS } from '../os.js';
import type { AgentCommand } from './definition.js';
import type { Step } from './steps.js';
import { systemdInstall, systemdUninstall } from './systemd.js';
import { launchdInstall, launchdUninstall } from './launchd.js';
import { winswInstall, winswUninstall } from './winsw.js';

export interface InstallChoices {
  command: AgentCommand;
  start: boolean;
  /** Windows: a local copy of the pinned WinSW executable. */
  winsw?: string;
  /** Windows: the service exists already. */
  installed?: boolean;
}

/** The install (or upgrade) steps for `os`. */
export function installSteps(os: OS, c: InstallChoices): Step[] {
  if (os === 'linux') return systemdInstall(c.command, c.start);
  if (os === 'macos') return launchdInstall(c.command, c.start);
  return winswInstall(c.command, c.winsw ?? '(WinSW-x64.exe)', c.installed ?? false, c.start);
}

/** The removal steps for `os`. */
export function uninstallSteps(os: OS): Step[] {
  if (os === 'linux') return systemdUninstall();
  if (os === 'macos') return launchdUninstall();
  return winswUninstall();
}
