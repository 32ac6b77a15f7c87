// The Entra credential the agent presents to Key Vault, as the config says:
// the machine's managed identity, an app registration's certificate from a
// local PEM file, or the SDK's default chain (environment, workload identity,
// managed identity, Azure CLI…).
import { access, constants } from 'node:fs/promises';
import type { TokenCredential } from '@azure/identity';
import type { SecretsConfig } from '../agent/config-schema.js';
import { ConvergeError } from '../platform/errors.js';

/** Retries of the token endpoint: a few, quickly; the next run tries again anyway. */
const TOKEN_RETRIES = 2;

/** The credential for `config`; checks what can be checked before the first request. */
export async function createCredential(config: SecretsConfig): Promise<{ credential: TokenCredential; kind: string }> {
  const identity = await import('@azure/identity');
  const kind = config.credential ?? 'default';
  switch (kind) {
    case 'managed-identity':
      return {
        kind: config.clientId ? `managed identity ${config.clientId}` : 'managed identity',
        credential: new identity.ManagedIdentityCredential({ ...(config.clientId ? { clientId: config.clientId } : {}), retryOptions: { maxRetries: TOKEN_RETRIES } }),
      };
    case 'client-certificate': {
      const { tenantId, clientId, certificateFile } = config;
      if (!tenantId || !clientId || !certificateFile) {
        throw new ConvergeError('invalid-input', 'secrets.credential client-certificate needs tenantId, clientId and certificateFile in the agent config');
      }
      try {
        await access(certificateFile, constants.R_OK);
      } catch (error) {
        throw new ConvergeError('invalid-input', `secrets.certificateFile ${certificateFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
      }
      return {
        kind: `client certificate of ${clientId}`,
        credential: new identity.ClientCertificateCredential(tenantId, clientId, { certificatePath: certificateFile }, { retryOptions: { maxRetries: TOKEN_RETRIES } }),
      };
    }
    case 'default':
      return {
        kind: 'default credential chain',
        credential: new identity.DefaultAzureCredential({ ...(config.clientId ? { managedIdentityClientId: config.clientId } : {}), retryOptions: { maxRetries: TOKEN_RETRIES } }),
      };
  }
}
