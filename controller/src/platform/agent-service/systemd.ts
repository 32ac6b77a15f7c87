// The agent on Linux: a systemd unit, enabled at boot, restarted whenever it
// exits (10 s apart, never giving up), logs in the journal.
import type { AgentCommand } from './definition.js';
import { agentArgv, installPrefix, shWord } from './definition.js';
import type { Step } from './steps.js';

export const UNIT_NAME = 'converge-agent.service';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;

/** systemd quoting: every argument double-quoted, with \ and " escaped and % doubled. */
function systemdArg(a: string): string {
  return /^[A-Za-z0-9_./:=@+,-]+$/.test(a) ? a : `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/**
 * Before each start: the self-upgrade guard of a bootstrap install counts the
 * new release's starts and switches back after too many (or past its
 * deadline); nothing when no upgrade is under way. `-`: never blocks a start.
 */
function guardPre(c: AgentCommand): string[] {
  const prefix = installPrefix(c.entry);
  if (!prefix) return [];
  const guard = `${prefix}/upgrade/guard.sh`;
  const q = shWord(guard);
  return [`ExecStartPre=-${['/bin/sh', '-c', `[ ! -f ${q} ] || exec /bin/sh ${q} start`].map(systemdArg).join(' ')}`];
}

/** The unit file. */
export function systemdUnit(c: AgentCommand): string {
  return [
    '# Managed by converge install-service; converge uninstall-service removes it.',
    '[Unit]',
    'Description=converge agent: pull the fleet repository, converge this machine, report',
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    ...guardPre(c),
    `ExecStart=${agentArgv(c).map(systemdArg).join(' ')}`,
    'Restart=always',
    // 75: the agent switched to a new release of itself and exits to be started on it; not a failure.
    'SuccessExitStatus=75',
    'RestartSec=10s',
    'KillMode=mixed',
    'TimeoutStopSec=60s',
    'Environment=NODE_ENV=production',
    ...Object.entries(c.env ?? {}).map(([k, v]) => `Environment=${systemdArg(`${k}=${v}`)}`),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Steps to install (or upgrade) the unit; `start` restarts it so an upgrade takes effect. */
export function systemdInstall(c: AgentCommand, start: boolean): Step[] {
  return [
    { kind: 'file', path: UNIT_PATH, content: systemdUnit(c), mode: 0o644 },
    { kind: 'command', argv: ['systemctl', 'daemon-reload'], why: 'load the unit', manager: true },
    { kind: 'command', argv: ['systemctl', 'enable', UNIT_NAME], why: 'start it at boot', manager: true, rootArgv: (root) => ['systemctl', `--root=${root}`, 'enable', UNIT_NAME] },
    ...(start ? [{ kind: 'command' as const, argv: ['systemctl', 'restart', UNIT_NAME], why: 'start it (or restart it on the new version)', manager: true }] : []),
  ];
}

/** Steps to remove it. */
export function systemdUninstall(): Step[] {
  return [
    { kind: 'command', argv: ['systemctl', 'disable', '--now', UNIT_NAME], why: 'stop it and stop starting it at boot', manager: true, okCodes: [0, 1, 5], rootArgv: (root) => ['systemctl', `--root=${root}`, 'disable', UNIT_NAME] },
    { kind: 'remove', path: UNIT_PATH },
    { kind: 'command', argv: ['systemctl', 'daemon-reload'], why: 'forget the unit', manager: true },
  ];
}
