// The guard on Linux: a transient systemd timer runs guard.sh at the deadline,
// and the agent's unit runs `guard.sh start` before each start
// (ExecStartPre, written by install-service), which still holds after a
// reboot has dropped the transient timer.
import type { Layout } from './release.js';

export const GUARD_UNIT = 'converge-upgrade-guard';
const AGENT_UNIT = 'converge-agent.service';

/** Commands that arm the guard: any earlier guard timer stopped, a new one at `seconds` from now. */
export function systemdArm(l: Layout, seconds: number): string[][] {
  return [
    ...systemdDisarm(),
    ['systemd-run', `--unit=${GUARD_UNIT}`, `--on-active=${Math.max(1, Math.ceil(seconds))}s`, '--timer-property=AccuracySec=1s', '--description=converge: switch the agent back unless its upgrade is confirmed', '/bin/sh', l.guard, 'timer'],
  ];
}

/** Commands that disarm it (each may fail when there is nothing to stop). */
export function systemdDisarm(): string[][] {
  return [
    ['systemctl', 'stop', `${GUARD_UNIT}.timer`, `${GUARD_UNIT}.service`],
    ['systemctl', 'reset-failed', `${GUARD_UNIT}.timer`, `${GUARD_UNIT}.service`],
  ];
}

/** What guard.sh runs after switching back from the timer: the agent restarted on the previous release. */
export const SYSTEMD_RESTART = [`systemctl reset-failed ${AGENT_UNIT} 2>/dev/null;`, `systemctl restart --no-block ${AGENT_UNIT}`];
