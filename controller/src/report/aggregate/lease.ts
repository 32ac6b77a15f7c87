// One aggregator at a time: a Blob lease on `aggregator.lock` in the status
// container. Whoever holds it aggregates; the others wait and try again, so a
// device can run the aggregator as a fallback for CI and only one of them
// pushes. (The status branch refuses a stale push besides, so even a lost
// lease cannot commit a report twice.)
import type { BlobLeaseClient, ContainerClient } from '@azure/storage-blob';
import { httpStatus } from '../blob-client.js';
import { storeError } from '../blob-store.js';

export const LEASE_BLOB = 'aggregator.lock';
/** Seconds a lease lasts unless renewed (Azure allows 15-60). */
export const LEASE_SECONDS = 60;

/** A held lease. */
export interface Lease {
  id: string;
  /** Renew it; false when it was lost (expired and taken by another). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** Take the lease; null when another aggregator holds it. */
export async function acquireLease(container: ContainerClient, seconds = LEASE_SECONDS): Promise<Lease | null> {
  const blob = container.getBlockBlobClient(LEASE_BLOB);
  try {
    await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    const status = httpStatus(error);
    // 409: it exists already; 412: it exists and is leased (a write without the lease id is refused).
    if (status !== 409 && status !== 412) throw storeError(`cannot create ${LEASE_BLOB}`, error);
  }
  const client: BlobLeaseClient = blob.getBlobLeaseClient();
  try {
    await client.acquireLease(seconds);
  } catch (error) {
    if (httpStatus(error) === 409) return null;
    throw storeError(`cannot take the lease on ${LEASE_BLOB}`, error);
  }
  return {
    id: client.leaseId,
    async renew() {
      try {
        await client.renewLease();
        return true;
      } catch (error) {
        if (httpStatus(error) === 409) return false;
        throw storeError(`cannot renew the lease on ${LEASE_BLOB}`, error);
      }
    },
    async release() {
      await client.releaseLease().catch(() => undefined);
    },
  };
}
