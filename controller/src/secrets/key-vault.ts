// Azure Key Vault through the real SDK (@azure/keyvault-secrets): the 401
// challenge, a token from the configured credential, GET /secrets/{name}.
// Failures become ConvergeErrors that name the secret and the vault: missing
// (404) and denied (403) are about that secret; anything else means the vault
// cannot be reached now ('transient': retried next run).
import type { SecretsConfig } from '../agent/config-schema.js';
import type { Logger } from '../platform/logger.js';
import { ConvergeError, messageOf } from '../platform/errors.js';
import { AGENT_VERSION } from '../platform/version.js';
import { createCredential } from './credential.js';
import type { SecretSource } from './source.js';

/** One request's time limit; the SDK's own retries come on top (two, quickly). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A source reading from the vault `config.keyVault` with `config.credential`. */
export async function keyVaultSecretSource(config: SecretsConfig & { keyVault: string }, log: Logger): Promise<SecretSource> {
  const vault = config.keyVault.replace(/\/+$/, '');
  const { SecretClient } = await import('@azure/keyvault-secrets');
  const { credential, kind } = await createCredential(config);
  const client = new SecretClient(vault, credential, {
    retryOptions: { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
    userAgentOptions: { userAgentPrefix: `converge/${AGENT_VERSION}` },
  });
  const description = `Key Vault ${vault}`;
  log.debug({ vault, credential: kind }, 'key vault configured');
  return {
    description,
    async get(name) {
      try {
        const secret = await client.getSecret(name, { requestOptions: { timeout: REQUEST_TIMEOUT_MS } });
        if (typeof secret.value !== 'string') throw new ConvergeError('not-found', `secret '${name}' in ${description} has no value`);
        log.debug({ vault, secretName: name }, 'secret read');
        return secret.value;
      } catch (error) {
        throw explain(error, name, description, kind);
      }
    },
  };
}

interface SdkError {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
}

/** What went wrong, for an operator, naming the secret and the vault (SDK messages carry no values). */
export function explain(error: unknown, name: string, vault: string, credential: string): ConvergeError {
  if (error instanceof ConvergeError) return error;
  const e = (error ?? {}) as SdkError;
  const detail = firstLine(messageOf(error));
  if (e.name === 'RestError' && e.statusCode !== undefined) {
    const status = `${e.statusCode}${e.code ? ` ${e.code}` : ''}`;
    if (e.statusCode === 404) return new ConvergeError('not-found', `secret '${name}' does not exist in ${vault} (${status})`, { cause: error });
    if (e.statusCode === 403) return new ConvergeError('io', `reading secret '${name}' from ${vault} was denied (${status}): the ${credential} needs get permission on its secrets`, { cause: error });
    if (e.statusCode === 401) return new ConvergeError('io', `${vault} refused the ${credential} reading secret '${name}' (${status})`, { cause: error });
    if (e.statusCode === 429 || e.statusCode >= 500) return new ConvergeError('transient', `${vault} answered ${status} reading secret '${name}'; retried next run`, { cause: error });
    return new ConvergeError('io', `reading secret '${name}' from ${vault} failed (${status}): ${detail}`, { cause: error });
  }
  if (CREDENTIAL_ERRORS.has(e.name ?? '')) {
    return new ConvergeError('transient', `no token for ${vault} from the ${credential} (reading secret '${name}'): ${entraDescription(detail)}`, { cause: error });
  }
  if (e.name === 'AbortError') return new ConvergeError('transient', `${vault} did not answer in time reading secret '${name}'`, { cause: error });
  return new ConvergeError('transient', `${vault} is unreachable (reading secret '${name}'): ${detail}`, { cause: error });
}

/** Errors of @azure/identity: the credential could not get a token. */
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

/** MSAL's "code: Error(s): … - Description: AADSTS…: text - Correlation ID: …" → "code: AADSTS…: text". */
function entraDescription(text: string): string {
  const m = /^([\w_]+): .*?Description: (.*?)(?: - (?:Correlation ID|Trace ID|Timestamp):.*)?$/.exec(text);
  return m ? `${m[1]}: ${m[2]}` : text;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
