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
/** Reads in flight at once: enough to hide latency, few enough to be polite to the vault. */
const CONCURRENCY = 8;

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
  const slot = limiter(CONCURRENCY);
  // A read that starts when none is in flight goes first, alone: it answers the 401
  // challenge and gets the token, and the reads queued behind it then go straight
  // through, or, when it found the vault unreachable, fail at once instead of each
  // waiting out its own retries.
  let gate: Gate | null = null;
  let inFlight = 0;
  return {
    description,
    async get(name) {
      inFlight++;
      try {
        const ahead = gate;
        const mine = ahead ? undefined : (gate = openGate());
        if (ahead) {
          const blocked = await ahead.promise.then(() => null, (error: unknown) => error);
          if (blocked) throw new ConvergeError('transient', `secret '${name}' not read: ${messageOf(blocked)}`, { cause: blocked });
        }
        try {
          const secret = await slot(() => client.getSecret(name, { requestOptions: { timeout: REQUEST_TIMEOUT_MS } }));
          if (typeof secret.value !== 'string') throw new ConvergeError('not-found', `secret '${name}' in ${description} has no value`);
          log.debug({ vault, secretName: name }, 'secret read');
          mine?.pass();
          return secret.value;
        } catch (error) {
          const explained = explain(error, name, description, kind);
          if (explained.reason === 'transient') mine?.block(explained);
          else mine?.pass();
          throw explained;
        }
      } finally {
        if (--inFlight === 0) gate = null;
      }
    },
  };
}

interface Gate {
  promise: Promise<void>;
  pass(): void;
  block(error: Error): void;
}

function openGate(): Gate {
  let pass!: () => void;
  let block!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    pass = resolve;
    block = reject;
  });
  promise.catch(() => undefined); // awaited by the reads behind it, if any
  return { promise, pass, block };
}

/** Run at most `n` tasks at once, the rest in order. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finishing task hands its slot to the next waiter directly.
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
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
