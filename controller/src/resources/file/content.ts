// The bytes a file spec wants.
import type { FileDesired } from './schema.js';

/** The bytes a spec wants, or null when it does not manage content. */
export function desiredBytes(spec: FileDesired): Uint8Array | null {
  if (spec.contentBase64 !== undefined) return Buffer.from(spec.contentBase64, 'base64');
  if (spec.content !== undefined) return Buffer.from(spec.content, 'utf8');
  return null;
}
