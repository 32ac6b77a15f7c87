// Shared pieces of the status-store tests: a container in Azurite, an agent
// config's status: block for it, a host's SAS scoped to its own blob, SSH
// keys, and a host writing one report the way the agent does (outbox, then
// the blob).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlobSASPermissions, ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import type { Azurite } from '../../helpers/azurite.js';
import { DEV_ACCOUNT, DEV_KEY, azuriteAvailable, startAzurite } from '../../helpers/azurite.js';
import { afterAll, beforeAll } from 'vitest';
import { requireComponent } from '../../helpers/components.js';
import type { StatusStoreConfig } from '../../../src/agent/status-config.js';
import { Outbox } from '../../../src/report/outbox.js';
import { BlobReportStore, reportBlobName } from '../../../src/report/blob-store.js';

/** A fresh container, made with the account key. */
export async function makeContainer(azurite: Azurite, name: string): Promise<ContainerClient> {
  const container = new ContainerClient(`${azurite.url}/${name}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY));
  await container.createIfNotExists();
  return container;
}

/** The aggregator's status: block (account key from a 0600 file). */
export function keyConfig(azurite: Azurite, container: string, dir: string, extra: Partial<StatusStoreConfig> = {}): StatusStoreConfig {
  const accountKeyFile = path.join(dir, 'account-key');
  writeFileSync(accountKeyFile, DEV_KEY, { mode: 0o600 });
  return { store: 'azure-blob', url: azurite.url, container, credential: 'shared-key', accountKeyFile, shardAbove: 2000, ...extra };
}

/** A SAS that lets `host` create, write and read hosts/<host>.json and nothing else, as an operator issues one per device. */
export function hostSas(container: string, host: string): string {
  return generateBlobSASQueryParameters(
    { containerName: container, blobName: reportBlobName(host), permissions: BlobSASPermissions.parse('rcw'), expiresOn: new Date(Date.now() + 3_600_000) },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
}

/** A device's status: block: its own SAS in a 0600 file, optionally its signing key. */
export function hostConfig(azurite: Azurite, container: string, host: string, dir: string, extra: Partial<StatusStoreConfig> = {}): StatusStoreConfig {
  const sasFile = path.join(dir, `${host}.sas`);
  writeFileSync(sasFile, hostSas(container, host), { mode: 0o600 });
  return { store: 'azure-blob', url: azurite.url, container, credential: 'sas', sasFile, shardAbove: 2000, ...extra };
}

/** An ed25519 key pair; returns the private key path and the public key line. */
export function sshKey(dir: string, name: string): { key: string; pub: string } {
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
}

/** A device of the simulated fleet: its outbox and its store. */
export interface SimHost {
  host: string;
  outbox: Outbox;
  store: BlobReportStore;
  written: number;
}

export async function simHost(stateDir: string, config: StatusStoreConfig, host: string): Promise<SimHost> {
  return { host, outbox: await Outbox.open(stateDir), store: BlobReportStore.open(config, host), written: 0 };
}

/** Queue one report (a numbered event) and deliver the queue to the store, as the agent does after a run. */
export async function report(h: SimHost, result = 'changed'): Promise<string> {
  const n = ++h.written;
  const id = `${h.host}-r${n}`;
  const at = new Date().toISOString();
  const event = `${h.host}: report ${n} (${result})`;
  await h.outbox.add({
    id,
    statusJson: JSON.stringify({ version: 1, host: h.host, reportId: id, result, event, endedAt: at, applied: 'a'.repeat(40), agent: { mode: 'enforce', interval: '15m', heartbeat: '24h' } }, null, 2) + '\n',
    statusMarkdown: `# ${h.host}: ${result}\n`,
    message: `${event}\n`,
    at,
  });
  await h.store.deliver(await h.outbox.list(), (e) => h.outbox.remove(e));
  return event;
}

/** One Azurite for the test file: started before its tests (a missing one fails in CI), stopped after. */
export function azuriteForFile(): () => Azurite {
  let azurite: Azurite | undefined;
  beforeAll(async () => {
    requireComponent(azuriteAvailable(), 'azurite', 'npm ci (azurite is a dev dependency)');
    azurite = await startAzurite();
  });
  afterAll(async () => azurite?.close());
  return () => azurite!;
}
