// What the agent service runs, wherever it is installed: node, the CLI entry,
// `agent --config <file>`. Paths are those of the machine being installed.
import type { OS } from '../os.js';
import runtime from '../../../runtime.json' with { type: 'json' };

export interface AgentCommand {
  /** The node executable (the private runtime of the bootstrap scripts). */
  node: string;
  /** controller/bin/converge.js of the installed agent (a stable path: an upgrade switches what it points to). */
  entry: string;
  /** The agent's config.yml. */
  config: string;
  /** Extra environment of the service (GIT_SSH_COMMAND with the deploy key). */
  env?: Record<string, string>;
}

/** The git SSH command that uses the deploy key kept beside the config (what the bootstrap scripts create). */
export function deployKeyEnv(configDir: string, sep = '/'): Record<string, string> {
  const key = `${configDir}${sep}deploy_key`;
  const known = `${configDir}${sep}known_hosts`;
  const q = (p: string) => (/\s/.test(p) ? `"${p}"` : p);
  return { GIT_SSH_COMMAND: `ssh -i ${q(key)} -o IdentitiesOnly=yes -o UserKnownHostsFile=${q(known)} -o StrictHostKeyChecking=accept-new` };
}

/** Defaults per OS, as the bootstrap scripts install them. */
export function defaultAgentCommand(os: OS): AgentCommand {
  if (os === 'windows') {
    return { node: 'C:\\ProgramData\\converge\\runtime\\bin\\node.exe', entry: 'C:\\ProgramData\\converge\\agent\\controller\\bin\\converge.js', config: 'C:\\ProgramData\\converge\\config.yml' };
  }
  const prefix = os === 'macos' ? '/usr/local/converge' : '/opt/converge';
  return { node: `${prefix}/runtime/bin/node`, entry: `${prefix}/agent/controller/bin/converge.js`, config: '/etc/converge/config.yml' };
}

/** The argument vector of the agent. */
export function agentArgv(c: AgentCommand): string[] {
  return [c.node, ...NODE_FLAGS, c.entry, 'agent', '--config', c.config];
}

/** The flags node runs the agent with (controller/runtime.json `nodeFlags`: a young generation of at most 8 MiB). */
export const NODE_FLAGS: readonly string[] = runtime.nodeFlags;

/** The install prefix of a bootstrap-installed agent (`<prefix>/agent/controller/bin/converge.js`), or null: only there does the agent upgrade itself. */
export function installPrefix(entry: string): string | null {
  const tail = '/agent/controller/bin/converge.js';
  return entry.endsWith(tail) && entry.length > tail.length ? entry.slice(0, -tail.length) : null;
}

/** sh quoting of one word. */
export function shWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
