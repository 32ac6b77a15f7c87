// The secret source a run uses, chosen by the agent config's `secrets:`.
import type { AgentConfig } from '../agent/config-schema.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { noSecrets } from './source.js';
import type { SecretSource } from './source.js';

/** The secret source for a config (none configured: every read fails clearly). */
export async function createSecretSource(config: AgentConfig['secrets'] | undefined, _log: Logger, _scrubber: Scrubber): Promise<SecretSource> {
  void config;
  return noSecrets;
}
