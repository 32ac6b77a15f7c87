// The container client for the `status:` store, signed in as the config says:
// Entra ID (managed identity, a certificate, the default chain), a SAS token
// read from a file (a device's, scoped to its own blob), or the account key
// (an aggregator or a lab).
import { readFile } from 'node:fs/promises';
import type { BlobClient, ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { StatusStoreConfig } from '../agent/status-config.js';
import { createCredential } from '../secrets/credential.js';
import { ConvergeError, errnoOf } from '../platform/errors.js';

/** Retries inside one request: a few, quickly; an unreachable store leaves the reports queued for the next poll. */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 }, userAgentOptions: { userAgentPrefix: 'converge' } };

/** The blob service URL of `config`, without a trailing slash. */
export function serviceUrl(config: StatusStoreConfig): string {
  return (config.url ?? `https://${config.account}.blob.core.windows.net`).replace(/\/+$/, '');
}

/** The container client of `config`, with its credential. */
export async function openContainer(config: StatusStoreConfig): Promise<ContainerClient> {
  const blob = await import('@azure/storage-blob');
  const containerUrl = `${serviceUrl(config)}/${config.container}`;
  switch (config.credential) {
    case 'sas': {
      const sas = (await secretFile(config.sasFile!, 'status.sasFile')).replace(/^\?/, '');
      return new blob.ContainerClient(`${containerUrl}?${sas}`, new blob.AnonymousCredential(), PIPELINE);
    }
    case 'shared-key': {
      const key = await secretFile(config.accountKeyFile!, 'status.accountKeyFile');
      return new blob.ContainerClient(containerUrl, new blob.StorageSharedKeyCredential(accountName(config), key), PIPELINE);
    }
    default: {
      const { credential } = await createCredential({ credential: config.credential, clientId: config.clientId, tenantId: config.tenantId, certificateFile: config.certificateFile });
      return new blob.ContainerClient(containerUrl, credential, PIPELINE);
    }
  }
}

/** The storage account: named, or the URL's first path segment (emulators: http://127.0.0.1:10000/devstoreaccount1), or its host's first label. */
export function accountName(config: StatusStoreConfig): string {
  if (config.account) return config.account;
  const url = new URL(serviceUrl(config));
  const segment = url.pathname.split('/').find(Boolean);
  return segment ?? url.hostname.split('.')[0]!;
}

/** An ETag without its quotes: a listing gives 0x8D…, a download's header "0x8D…"; the same version either way. */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^"(.*)"$/, '$1');
}

/** The HTTP status of an SDK error, if it has one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

async function secretFile(file: string, key: string): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (!text) throw new ConvergeError('invalid-input', `${key} ${file} is empty`);
    return text;
  } catch (error) {
    if (error instanceof ConvergeError) throw error;
    throw new ConvergeError('invalid-input', `${key} ${file} cannot be read: ${errnoOf(error) ?? 'error'}`, { cause: error });
  }
}

/** A blob's bytes and the ETag of exactly those bytes; null when it does not exist. Refuses a blob larger than `maxBytes` without reading it. */
export async function downloadWithEtag(blob: BlobClient, maxBytes: number): Promise<{ body: Buffer; etag: string } | null> {
  let response;
  try {
    response = await blob.download();
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
  if (!response.etag) throw new ConvergeError('internal', 'the store answered without an ETag');
  if ((response.contentLength ?? 0) > maxBytes) {
    response.readableStreamBody?.resume();
    throw new ConvergeError('invalid-input', `${blob.name} is ${response.contentLength} bytes, more than the ${maxBytes} a report may have`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.readableStreamBody ?? []) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ConvergeError('invalid-input', `${blob.name} is more than the ${maxBytes} bytes a report may have`);
    chunks.push(chunk as Buffer);
  }
  return { body: Buffer.concat(chunks), etag: bareEtag(response.etag)! };
}
