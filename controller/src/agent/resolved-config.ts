// The agent config with its defaults that depend on other keys filled in.
import type { AgentConfig } from './config-schema.js';
import { configStateDir } from './config.js';

/** An agent config whose state directory is known. */
export type ResolvedConfig = AgentConfig & { stateDir: string };

/** Fill in the state directory (its own, or the sandbox root's var/lib/converge). */
export function resolveConfig(config: AgentConfig): ResolvedConfig {
  return { ...config, stateDir: configStateDir(config) };
}
