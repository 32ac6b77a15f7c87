// Deliver queued reports to the host's own blob in the status store
// (hosts/<host>.json), for an aggregator to commit. The blob holds the latest
// report and the recent events (so reports written between two aggregator
// passes each still get their line in the commit message). Every write is
// conditional on the ETag read just before (If-Match; If-None-Match: * for the
// first), so two writers never silently overwrite each other; a store that is
// down leaves the reports queued, as with the status branch.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import type { OutboxEntry } from './outbox.js';
import type { Delivery } from './status-branch.js';
import type { StatusStoreConfig } from '../agent/status-config.js';
import { bareEtag, downloadWithEtag, httpStatus, openContainer, serviceUrl } from './blob-client.js';
import { signReport } from './report-signature.js';
import { ConvergeError, messageOf } from '../platform/errors.js';

/** Events kept in a host's blob: more than any host writes between two passes of a minute. */
const MAX_EVENTS = 50;
/** The largest blob the aggregator reads; a bigger one is refused, not read. */
export const MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;
/** Tries of a conditional write that lost to another writer of the same blob. */
const WRITE_TRIES = 5;

/** One event of a host, with the report it came from. */
export interface EnvelopeEvent {
  reportId: string;
  at: string;
  message: string;
}

/** What a host writes to its blob. */
export interface ReportEnvelope {
  version: 1;
  host: string;
  reportId: string;
  at: string;
  statusJson: string;
  statusMarkdown: string;
  /** The host's SSH signature of statusJson (status.json.sig on the branch), when it has a key. */
  signature?: string;
  /** The latest events, oldest first; the last is this report's. */
  events: EnvelopeEvent[];
}

/** The blob of `host`'s reports. */
export function reportBlobName(host: string): string {
  return `hosts/${host}.json`;
}

/** Something that takes queued reports: the status branch, or the status store. */
export interface ReportSink {
  deliver(entries: OutboxEntry[], delivered: (e: OutboxEntry) => Promise<void>, signal?: AbortSignal): Promise<Delivery>;
}

/** A host's side of the status store. */
export class BlobReportStore implements ReportSink {
  private constructor(
    private readonly config: StatusStoreConfig,
    private readonly host: string,
    private container: ContainerClient | null,
  ) {}

  /** The blob as this process last wrote it: the next write is conditional on its ETag without reading it first (one request a report, not two). */
  private lastWritten: { envelope: ReportEnvelope; etag: string } | null = null;

  static open(config: StatusStoreConfig, host: string): BlobReportStore {
    return new BlobReportStore(config, host, null);
  }

  /** Write `entries` (oldest first) into this host's blob in one conditional write; `delivered` is called for each once it is there. */
  async deliver(entries: OutboxEntry[], delivered: (e: OutboxEntry) => Promise<void>): Promise<Delivery> {
    const result: Delivery = { pushed: [], alreadyThere: [], conflicts: 0 };
    if (entries.length === 0) return result;
    const blob = (await this.client()).getBlockBlobClient(reportBlobName(this.host));
    const last = entries[entries.length - 1]!;
    const [statusJson, statusMarkdown] = await Promise.all([readFile(path.join(last.dir, 'status.json'), 'utf8'), readFile(path.join(last.dir, 'STATUS.md'), 'utf8')]);
    const signature = this.config.signingKey ? await signReport(statusJson, this.config.signingKey) : undefined;
    for (let attempt = 1; ; attempt++) {
      // Trust what we wrote last only on the first try: a refused write means someone else wrote since.
      const current = attempt === 1 && this.lastWritten ? this.lastWritten : await this.read();
      const known = new Set(current?.envelope.events.map((e) => e.reportId));
      const fresh = entries.filter((e) => !known.has(e.id));
      if (fresh.length === 0) {
        // A write whose answer was lost (or a crash before the queue was cleared): they are all there already.
        for (const e of entries) await delivered(e);
        result.alreadyThere.push(...entries);
        return result;
      }
      const envelope: ReportEnvelope = {
        version: 1,
        host: this.host,
        reportId: last.id,
        at: last.at,
        statusJson,
        statusMarkdown,
        ...(signature ? { signature } : {}),
        events: [...(current?.envelope.events ?? []), ...fresh.map((e) => ({ reportId: e.id, at: e.at, message: e.message.trim() }))].slice(-MAX_EVENTS),
      };
      const body = JSON.stringify(envelope);
      try {
        const written = await blob.upload(body, Buffer.byteLength(body), {
          conditions: current ? { ifMatch: `"${current.etag}"` } : { ifNoneMatch: '*' },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
        this.lastWritten = written.etag ? { envelope, etag: bareEtag(written.etag)! } : null;
      } catch (error) {
        this.lastWritten = null;
        const status = httpStatus(error);
        if ((status === 412 || status === 409) && attempt < WRITE_TRIES) {
          result.conflicts++;
          continue; // another writer of this blob (a second agent process, a restore): read again and merge
        }
        throw storeError(`cannot write ${reportBlobName(this.host)} to ${serviceUrl(this.config)}/${this.config.container}`, error);
      }
      for (const e of entries) await delivered(e);
      result.pushed.push(...fresh);
      result.alreadyThere.push(...entries.filter((e) => known.has(e.id)));
      return result;
    }
  }

  /** This host's blob as it is now, with its ETag; null when there is none yet. */
  async read(): Promise<{ envelope: ReportEnvelope; etag: string } | null> {
    const blob = (await this.client()).getBlockBlobClient(reportBlobName(this.host));
    let got;
    try {
      got = await downloadWithEtag(blob, MAX_ENVELOPE_BYTES);
    } catch (error) {
      if (error instanceof ConvergeError) throw error;
      throw storeError(`cannot read ${reportBlobName(this.host)} from ${serviceUrl(this.config)}/${this.config.container}`, error);
    }
    if (!got) return null;
    // A blob this agent cannot read (hand-edited, another version) is replaced, keeping no events.
    const envelope = parseEnvelope(got.body.toString('utf8'), this.host) ?? { version: 1, host: this.host, reportId: '', at: '', statusJson: '', statusMarkdown: '', events: [] };
    return { envelope, etag: got.etag };
  }

  private async client(): Promise<ContainerClient> {
    // Opened on each delivery when the credential is a SAS file, so a rotated token is used at once.
    if (!this.container || this.config.credential === 'sas') this.container = await openContainer(this.config);
    return this.container;
  }
}

/** An envelope read from a blob: null when it is not one, or not `host`'s (the name of the blob says whose it is). */
export function parseEnvelope(text: string, host: string): ReportEnvelope | null {
  try {
    const e = JSON.parse(text) as Partial<ReportEnvelope> | null;
    if (!e || e.version !== 1 || e.host !== host || typeof e.reportId !== 'string' || typeof e.at !== 'string') return null;
    if (typeof e.statusJson !== 'string' || typeof e.statusMarkdown !== 'string' || !Array.isArray(e.events)) return null;
    if (e.signature !== undefined && typeof e.signature !== 'string') return null;
    const events = e.events.filter((v): v is EnvelopeEvent => typeof v?.reportId === 'string' && typeof v.at === 'string' && typeof v.message === 'string');
    return { version: 1, host, reportId: e.reportId, at: e.at, statusJson: e.statusJson, statusMarkdown: e.statusMarkdown, ...(e.signature ? { signature: e.signature } : {}), events };
  } catch {
    return null;
  }
}

/** A store error for an operator: the HTTP status and the store's code, never the URL's SAS. */
export function storeError(what: string, error: unknown): ConvergeError {
  const status = httpStatus(error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = status ? `HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''}` : messageOf(error).replace(/([?&]sig=)[^&\s]+/gi, '$1***');
  const reason = status === 403 || status === 401 || status === 400 ? 'io' : 'transient';
  return new ConvergeError(reason, `${what}: ${detail}`, { cause: error });
}
