// sha256 in hex. crypto.hash (Node 21.7 and later) hashes in one call, without
// a Hash object: about half the cost for the short texts converge hashes by the
// thousand (specs, file contents, the load cache's inputs).
import * as crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

/** The hex sha256 of a string (as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}
