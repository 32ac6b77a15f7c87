// converge agent: the daemon (poll, converge, watch, report) or, with
// --once, one full cycle for cron and tests.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { loadConfig, defaultConfigPath } from '../agent/config.js';
import type { AgentConfig } from '../agent/config-schema.js';
import { Agent } from '../agent/agent.js';
import { resolveConfig } from '../agent/resolved-config.js';
import { createLogger } from '../platform/logger.js';
import type { LogLevel } from '../platform/logger.js';
import { Scrubber } from '../platform/scrubber.js';
import { ConvergeError } from '../platform/errors.js';
import { Printer } from './output.js';

export interface AgentFlags {
  config?: string;
  once?: boolean;
  logLevel?: LogLevel;
}

export async function agentCommand(flags: AgentFlags): Promise<number> {
  const file = flags.config ?? defaultConfigPath();
  const config = resolveConfig(loadConfig(file));
  checkTrust(config, file);
  const scrubber = new Scrubber();
  const log = createLogger({ level: flags.logLevel ?? 'info', scrubber });
  const out = new Printer();
  const agent = await Agent.open({ config, log, scrubber, onEvent: flags.once ? (event) => out.line(event) : undefined });
  const stop = () => agent.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    if (flags.once) return await agent.once();
    await agent.serve();
    return agent.exitCode;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

/** Refuse to start without a way to trust commits; name the file the operator has to fix. */
function checkTrust(config: AgentConfig, file: string): void {
  const { allowedSigners, gpgKeyring, allowUnsigned } = config.trust;
  if (!allowedSigners && !gpgKeyring && !allowUnsigned) {
    throw new ConvergeError('invalid-input', `${file}: trust: set allowedSigners (SSH) or gpgKeyring (GPG) so the agent can verify commits (allowUnsigned: true only for a lab)`);
  }
  for (const [key, p] of [['allowedSigners', allowedSigners], ['gpgKeyring', gpgKeyring]] as const) {
    if (p && !existsSync(p)) throw new ConvergeError('not-found', `${file}: trust.${key}: ${p} does not exist`);
  }
}
