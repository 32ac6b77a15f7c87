// The run listeners a config asks for (GitHub commit statuses, metrics).
// Their code is imported only when configured, so an agent without them does
// not load Octokit or prom-client.
import type { AgentConfig } from './config-schema.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import type { RunEvents } from './events.js';

/** Listeners for the agent's run events, per the config; closed by the agent on exit. */
export async function createRunListeners(config: AgentConfig, log: Logger, scrubber: Scrubber): Promise<{ listeners: RunEvents[]; close(): Promise<void> }> {
  const listeners: RunEvents[] = [];
  const closers: (() => Promise<void>)[] = [];
  if (config.github) {
    const { createCommitStatusListener } = await import('../github/agent-statuses.js');
    const statuses = createCommitStatusListener(config, log, scrubber);
    listeners.push(statuses);
    closers.push(() => statuses.close());
  }
  if (config.metrics) {
    const { startMetricsEndpoint } = await import('../metrics/agent-endpoint.js');
    const endpoint = await startMetricsEndpoint(config.host, config.metrics, log);
    listeners.push(endpoint.listener);
    closers.push(endpoint.close);
  }
  return {
    listeners,
    close: async () => {
      for (const close of closers) await close();
    },
  };
}
