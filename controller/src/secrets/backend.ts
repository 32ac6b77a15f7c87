// The secret source a run uses, chosen by the agent config's `secrets:`:
// Key Vault (keyVault + credential) or a local file (file). Every value read
// goes to the scrubber at once, so logs and reports never carry it.
import type { AgentConfig } from '../agent/config-schema.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { ConvergeError } from '../platform/errors.js';
import { noSecrets } from './source.js';
import type { SecretSource } from './source.js';
import { fileSecretSource } from './file-source.js';
import { keyVaultSecretSource } from './key-vault.js';
import { scrubbing } from './scrubbing.js';

/** The secret source for a config (none configured: every read fails clearly). Values are read lazily, per run. */
export async function createSecretSource(config: AgentConfig['secrets'] | undefined, log: Logger, scrubber: Scrubber): Promise<SecretSource> {
  if (!config || (!config.keyVault && !config.file)) return noSecrets;
  if (config.keyVault && config.file) {
    throw new ConvergeError('invalid-input', 'secrets: give keyVault or file, not both');
  }
  const source = config.keyVault
    ? await keyVaultSecretSource({ ...config, keyVault: config.keyVault }, log.child({ component: 'secrets' }))
    : fileSecretSource(config.file!);
  return scrubbing(source, scrubber);
}
