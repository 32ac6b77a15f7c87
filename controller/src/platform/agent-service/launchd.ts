// The agent on macOS: a LaunchDaemon kept alive by launchd (30 s between
// respawns), logs in /Library/Logs/converge rotated by newsyslog.
import { build } from 'plist';
import type { AgentCommand } from './definition.js';
import { agentArgv, installPrefix, shWord } from './definition.js';
import type { Step } from './steps.js';

export const AGENT_LABEL = 'dev.converge.agent';
export const DAEMON_PLIST = `/Library/LaunchDaemons/${AGENT_LABEL}.plist`;
export const LOG_DIR = '/Library/Logs/converge';
export const NEWSYSLOG_CONF = '/etc/newsyslog.d/converge.conf';

/**
 * The agent's argv; for a bootstrap install, wrapped in sh that first runs the
 * self-upgrade guard's start-up check (counts the new release's starts,
 * switches back after too many or past the deadline), then execs the agent.
 */
function startArgv(c: AgentCommand): string[] {
  const prefix = installPrefix(c.entry);
  if (!prefix) return agentArgv(c);
  const guard = shWord(`${prefix}/upgrade/guard.sh`);
  return ['/bin/sh', '-c', `[ ! -f ${guard} ] || /bin/sh ${guard} start; exec "$0" "$@"`, ...agentArgv(c)];
}

/** The LaunchDaemon plist object. */
export function agentPlistObject(c: AgentCommand): Record<string, unknown> {
  return {
    Label: AGENT_LABEL,
    ProgramArguments: startArgv(c),
    RunAtLoad: true,
    KeepAlive: true,
    ThrottleInterval: 30,
    StandardOutPath: `${LOG_DIR}/agent.log`,
    StandardErrorPath: `${LOG_DIR}/agent.log`,
    EnvironmentVariables: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin', NODE_ENV: 'production', ...(c.env ?? {}) },
  };
}

/** The plist XML. */
export function agentPlist(c: AgentCommand): string {
  return build(agentPlistObject(c) as Parameters<typeof build>[0]) + '\n';
}

/** newsyslog: rotate at 10 MB, keep 7, compress. */
export function newsyslogConf(): string {
  return `# Managed by converge install-service: rotate the agent's log.\n# logfilename                         mode count size  when flags\n${LOG_DIR}/agent.log   644  7     10240 *    J\n`;
}

/** Steps to install (or upgrade) the daemon. */
export function launchdInstall(c: AgentCommand, start: boolean): Step[] {
  const target = `system/${AGENT_LABEL}`;
  return [
    { kind: 'dir', path: LOG_DIR, mode: 0o755 },
    { kind: 'file', path: NEWSYSLOG_CONF, content: newsyslogConf(), mode: 0o644 },
    { kind: 'file', path: DAEMON_PLIST, content: agentPlist(c), mode: 0o644 },
    { kind: 'command', argv: ['launchctl', 'bootout', target], why: 'unload the old definition, if loaded', manager: true, okCodes: [0, 3, 5, 36, 113] },
    { kind: 'command', argv: ['launchctl', 'enable', target], why: 'allow it to load', manager: true },
    ...(start
      ? [
          { kind: 'command' as const, argv: ['launchctl', 'bootstrap', 'system', DAEMON_PLIST], why: 'load and start it (RunAtLoad)', manager: true },
        ]
      : []),
  ];
}

/** Steps to remove it. */
export function launchdUninstall(): Step[] {
  return [
    { kind: 'command', argv: ['launchctl', 'bootout', `system/${AGENT_LABEL}`], why: 'stop and unload it', manager: true, okCodes: [0, 3, 5, 36, 113] },
    { kind: 'remove', path: DAEMON_PLIST },
    { kind: 'remove', path: NEWSYSLOG_CONF },
  ];
}
