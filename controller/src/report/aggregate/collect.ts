// The aggregator's read of the store: every host blob whose ETag differs from
// the one the status branch's index recorded (its checkpoint), with the
// events written since. Unchanged hosts cost one line of a listing, no read.
import type { ContainerClient } from '@azure/storage-blob';
import type { StatusIndex } from '../status-paths.js';
import type { EnvelopeEvent, ReportEnvelope } from '../blob-store.js';
import { MAX_ENVELOPE_BYTES, parseEnvelope } from '../blob-store.js';
import { bareEtag, downloadWithEtag, httpStatus } from '../blob-client.js';
import { storeError } from '../blob-store.js';
import { HOST_NAME } from '../../manifest/host-schema.js';
import { ConvergeError, messageOf } from '../../platform/errors.js';

/** Reads in flight at once. */
const CONCURRENCY = 32;

/** A host whose blob changed since the last commit. */
export interface Changed {
  host: string;
  etag: string;
  envelope: ReportEnvelope;
  /** Events not yet on the status branch, oldest first. */
  events: EnvelopeEvent[];
  /** Events the blob no longer held (more were written between two passes than it keeps). */
  missed: boolean;
}

export interface Collected {
  changed: Changed[];
  /** Every host with a blob in the store. */
  hosts: string[];
  /** Blobs that were not readable reports, with why (skipped: a pass goes on without them). */
  skipped: { blob: string; reason: string }[];
}

/** List hosts/ and read what changed since `index`. */
export async function collect(container: ContainerClient, index: StatusIndex): Promise<Collected> {
  const hosts: string[] = [];
  const todo: { host: string; name: string }[] = [];
  const skipped: Collected['skipped'] = [];
  for await (const item of container.listBlobsFlat({ prefix: 'hosts/' })) {
    const m = /^hosts\/([^/]+)\.json$/.exec(item.name);
    if (!m || !HOST_NAME.test(m[1]!)) {
      skipped.push({ blob: item.name, reason: 'not hosts/<host>.json' });
      continue;
    }
    const host = m[1]!;
    hosts.push(host);
    if (index.hosts[host]?.etag !== bareEtag(item.properties.etag)) todo.push({ host, name: item.name });
  }
  const changed: Changed[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < todo.length) {
      const { host, name } = todo[next++]!;
      try {
        const got = await downloadWithEtag(container.getBlobClient(name), MAX_ENVELOPE_BYTES);
        if (!got) continue; // removed since the listing
        const envelope = parseEnvelope(got.body.toString('utf8'), host);
        if (!envelope) {
          skipped.push({ blob: name, reason: `not a report of ${host}` });
          continue;
        }
        const since = index.hosts[host]?.reportId;
        const at = since ? envelope.events.findIndex((e) => e.reportId === since) : -1;
        const events = envelope.reportId === since ? [] : envelope.events.slice(at + 1);
        changed.push({ host, etag: got.etag, envelope, events, missed: Boolean(since) && at === -1 && envelope.reportId !== since });
      } catch (error) {
        // A store that stopped answering ends the pass (the next one reads it all again); one bad blob is skipped.
        if (httpStatus(error) === undefined && !(error instanceof ConvergeError)) throw storeError(`cannot read ${name}`, error);
        skipped.push({ blob: name, reason: messageOf(error) });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
  changed.sort((a, b) => a.host.localeCompare(b.host));
  return { changed, hosts, skipped };
}
