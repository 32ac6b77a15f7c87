// One run of a host as the CLI and the agent do it: converge (or plan), and
// whatever belongs around it (health checks and rollback). The one place both
// `converge apply` and the agent call.
import type { LoadedHost } from '../manifest/load-host.js';
import type { BaseContext } from './context.js';
import { converge } from './converge.js';
import type { ConvergeOptions, RunOutcome } from './converge.js';

/** Converge `loaded` once. */
export async function runHost(loaded: LoadedHost, base: BaseContext, options: ConvergeOptions): Promise<RunOutcome> {
  return converge(loaded, base, options);
}
