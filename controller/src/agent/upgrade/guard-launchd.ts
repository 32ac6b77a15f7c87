// The guard on macOS (a plan, not run here: there is no launchd on the test
// machine): a second LaunchDaemon whose StartCalendarInterval is the deadline
// runs guard.sh timer; the agent's own plist runs guard.sh start before each
// start (launchd.ts). Switching back restarts the agent with kickstart -k.
import { build } from 'plist';
import type { Step } from '../../platform/agent-service/steps.js';
import { AGENT_LABEL } from '../../platform/agent-service/launchd.js';
import type { Layout } from './release.js';

export const GUARD_LABEL = 'dev.converge.upgrade-guard';
export const GUARD_PLIST = `/Library/LaunchDaemons/${GUARD_LABEL}.plist`;

/** The guard daemon: runs once at the deadline's minute (local time; launchd has no one-shot timer, so it also unloads itself after). */
export function launchdGuardPlist(l: Layout, deadline: Date): string {
  const at = new Date(Math.ceil(deadline.getTime() / 60_000) * 60_000);
  return `${build({
    Label: GUARD_LABEL,
    ProgramArguments: ['/bin/sh', '-c', `/bin/sh '${l.guard}' timer; launchctl bootout system/${GUARD_LABEL}`],
    StartCalendarInterval: { Month: at.getMonth() + 1, Day: at.getDate(), Hour: at.getHours(), Minute: at.getMinutes() },
    RunAtLoad: false,
  } as Parameters<typeof build>[0])}\n`;
}

/** Steps that arm it. */
export function launchdArm(l: Layout, deadline: Date): Step[] {
  return [
    ...launchdDisarm(),
    { kind: 'file', path: GUARD_PLIST, content: launchdGuardPlist(l, deadline), mode: 0o644 },
    { kind: 'command', argv: ['launchctl', 'bootstrap', 'system', GUARD_PLIST], why: 'switch the agent back at the deadline unless its upgrade is confirmed', manager: true },
  ];
}

/** Steps that disarm it. */
export function launchdDisarm(): Step[] {
  return [
    { kind: 'command', argv: ['launchctl', 'bootout', `system/${GUARD_LABEL}`], why: 'stop an earlier upgrade guard, if loaded', manager: true, okCodes: [0, 3, 5, 36, 113] },
    { kind: 'remove', path: GUARD_PLIST },
  ];
}

/** What guard.sh runs after switching back from the timer; and how it renames a link without following it (BSD mv). */
export const LAUNCHD_RESTART = [`launchctl kickstart -k system/${AGENT_LABEL}`];
export const LAUNCHD_MV = 'mv -h';
