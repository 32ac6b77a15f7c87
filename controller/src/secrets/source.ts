// Where secret values come from. Providers ask by vault secret name; errors
// name the secret and the backend, never a value.
import { ConvergeError } from '../platform/errors.js';

export interface SecretSource {
  /** "Key Vault https://kv-x.vault.azure.net", "file /etc/converge/secrets.json"… */
  readonly description: string;
  /** True only for the source used when no backend is configured: a plan then shows what it can without values. */
  readonly none?: boolean;
  /** The value of one secret. Throws a ConvergeError naming the secret (never a value). */
  get(name: string): Promise<string>;
}

/** The source when none is configured: every read fails with a clear message. */
export const noSecrets: SecretSource = {
  description: 'no secret backend',
  none: true,
  get(name) {
    return Promise.reject(new ConvergeError('invalid-input', `secret '${name}' is needed but no secret backend is configured (secrets: in the agent config, keyVault or file)`));
  },
};
