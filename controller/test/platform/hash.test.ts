// sha256Hex takes the one-call crypto.hash where Node has it: the digests must be
// the ones createHash gives (they are stored in inventories and load caches,
// and compared across converge versions and Node versions).
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../src/platform/hash.js';

describe('sha256Hex', () => {
  it('gives createHash\'s digest for text (as UTF-8) and for bytes', () => {
    const texts = ['', 'a', 'grüße ✓ 𝄞\n', '{"file":"/etc/motd","mode":"0644"}', 'x'.repeat(100_000)];
    for (const text of texts) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(sha256Hex(new Uint8Array([0, 255, 128]))).toBe(createHash('sha256').update(Buffer.from([0, 255, 128])).digest('hex'));
  });
});
