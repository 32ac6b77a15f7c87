// The metrics listener for an agent config: collect from run events, serve on
// the configured loopback address. A port that cannot be bound is logged and
// tried again after each run; it never stops the agent from converging, but
// each run's report says so: a local user who took the port first would
// otherwise serve the fleet's scrapers their own numbers unseen.
import type { RunEvents } from '../agent/events.js';
import type { Logger } from '../platform/logger.js';
import { messageOf } from '../platform/errors.js';
import { AgentMetrics } from './agent-metrics.js';
import { serveMetrics } from './loopback-server.js';

export interface MetricsEndpoint {
  listener: RunEvents;
  metrics: AgentMetrics;
  /** The scrape URL once listening. */
  url(): string | null;
  close(): Promise<void>;
}

/** The status report's notice for an endpoint that is not up. */
function notServed(address: string, error: string): string {
  const taken = /EADDRINUSE/.test(error) ? '; another process holds that port, so whatever scrapes it is not reading this agent' : '';
  return `metrics are not served on ${address}: ${error}${taken}`;
}

/** Start collecting for `host` and serving on `address` (e.g. 127.0.0.1:9464). */
export async function startMetricsEndpoint(host: string, address: string, log: Logger): Promise<MetricsEndpoint> {
  const metricsLog = log.child({ component: 'metrics' });
  const metrics = new AgentMetrics(host);
  let served: Awaited<ReturnType<typeof serveMetrics>> | null = null;
  let closed = false;
  let lastError = '';
  const listen = async () => {
    if (served || closed) return;
    try {
      served = await serveMetrics(metrics.registry, address);
      metricsLog.info({ url: served.url }, 'metrics served');
    } catch (error) {
      // Logged once per distinct problem, not on every run.
      if (messageOf(error) !== lastError) metricsLog.error({ address, err: messageOf(error) }, 'metrics endpoint not served; tried again after each run');
      lastError = messageOf(error);
    }
  };
  await listen();
  const listener: RunEvents = {
    runStarted: () => metrics.runStarted(),
    runFinished: async (info) => {
      metrics.runFinished(info);
      await listen();
      if (!served && !closed) throw new Error(notServed(address, lastError));
    },
    pollFinished: (info) => metrics.pollFinished(info),
    pushFinished: (info) => metrics.pushFinished(info),
  };
  return {
    listener,
    metrics,
    url: () => served?.url ?? null,
    close: async () => {
      closed = true;
      await served?.close();
      served = null;
    },
  };
}
