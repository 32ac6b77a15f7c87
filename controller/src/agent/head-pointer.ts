// Polling that does not grow with the fleet: instead of asking the forge
// (git ls-remote) every poll, read the pointer blob that CI writes on merge
// (`converge status pointer`), with If-None-Match, so an unchanged fleet
// costs the store a 304 and the forge nothing. The pointer is only a hint:
// what is applied is still fetched from git and verified, and the forge is
// asked directly at least once an `interval`, so a pointer that stopped being
// written can delay a merge by at most that much, never hide it.
import type { BlobClient } from '@azure/storage-blob';
import type { StatusStoreConfig } from './status-config.js';
import { openContainer, bareEtag, httpStatus } from '../report/blob-client.js';
import { ConvergeError } from '../platform/errors.js';

/** What CI writes to the pointer blob. */
export interface PointerDocument {
  branch: string;
  commit: string;
}

export class HeadPointer {
  private etag: string | null = null;
  private head: string | null = null;
  private lastForge = 0;

  constructor(
    private readonly config: StatusStoreConfig & { pointer: string },
    private readonly branch: string,
    private readonly forgeEveryMs: number,
  ) {}

  /** The branch head: from the pointer (one conditional request), or from `forge` when due or when the pointer cannot be read. */
  async poll(forge: () => Promise<string | null>, now = Date.now()): Promise<{ head: string | null; via: 'pointer' | 'pointer (304)' | 'forge' }> {
    if (now - this.lastForge >= this.forgeEveryMs) return this.fromForge(forge, now);
    try {
      const got = await this.read();
      if (got) return { head: got.head, via: got.unchanged ? 'pointer (304)' : 'pointer' };
    } catch {
      // the store is down or the pointer is not there: the forge answers instead
    }
    return this.fromForge(forge, now);
  }

  private async fromForge(forge: () => Promise<string | null>, now: number): Promise<{ head: string | null; via: 'forge' }> {
    const head = await forge();
    this.lastForge = now;
    return { head, via: 'forge' };
  }

  /** The pointer's commit; the one already known when the blob answered 304. */
  private async read(): Promise<{ head: string; unchanged: boolean } | null> {
    const blob = await this.blob();
    try {
      const r = await blob.download(0, undefined, { conditions: this.etag ? { ifNoneMatch: `"${this.etag}"` } : {} });
      const text = await streamText(r.readableStreamBody);
      const doc = JSON.parse(text) as Partial<PointerDocument>;
      if (doc.branch !== this.branch || typeof doc.commit !== 'string' || !/^[0-9a-f]{40,64}$/.test(doc.commit)) return null;
      this.etag = bareEtag(r.etag) ?? null;
      this.head = doc.commit;
      return { head: doc.commit, unchanged: false };
    } catch (error) {
      if (httpStatus(error) === 304 && this.head) return { head: this.head, unchanged: true };
      throw error;
    }
  }

  private async blob(): Promise<BlobClient> {
    const { pointerSasFile, credential } = this.config;
    const config = credential === 'sas' && pointerSasFile ? { ...this.config, sasFile: pointerSasFile } : this.config;
    return (await openContainer(config)).getBlobClient(this.config.pointer);
  }
}

/** Write the pointer: `branch` is at `commit` (CI, after a merge). */
export async function writePointer(config: StatusStoreConfig, branch: string, commit: string): Promise<void> {
  if (!config.pointer) throw new ConvergeError('invalid-input', 'status.pointer is not set in the config: there is no pointer blob to write');
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new ConvergeError('invalid-input', `--commit must be a full commit id (got ${commit.slice(0, 80)})`);
  const body = JSON.stringify({ branch, commit } satisfies PointerDocument) + '\n';
  await (await openContainer(config)).getBlockBlobClient(config.pointer).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream ?? []) {
    size += (chunk as Buffer).length;
    if (size > 4096) throw new ConvergeError('invalid-input', 'the pointer blob is larger than 4 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
