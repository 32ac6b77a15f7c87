// The bytes a file spec wants.
import type { FileDesired } from './schema.js';

// One spec is observed, diffed and applied in a run: its bytes are made once (never written to by their users).
const made = new WeakMap<FileDesired, Uint8Array | null>();

/** The bytes a spec wants, or null when it does not manage content. */
export function desiredBytes(spec: FileDesired): Uint8Array | null {
  let bytes = made.get(spec);
  if (bytes === undefined) {
    bytes = spec.contentBase64 !== undefined ? Buffer.from(spec.contentBase64, 'base64') : spec.content !== undefined ? Buffer.from(spec.content, 'utf8') : null;
    made.set(spec, bytes);
  }
  return bytes;
}
