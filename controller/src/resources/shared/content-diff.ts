// How a content change is shown: a unified diff for text, a summary for binary
// or sensitive content. Never the value of a secret.
import { createTwoFilesPatch } from 'diff';
import { sha256Hex } from '../../platform/hash.js';
import type { Change } from '../types.js';

const MAX_DIFF_LINES = 200;
const MAX_DIFF_INPUT = 512 * 1024;

export interface ContentOptions {
  /** Hide the content: only "(content hidden: sensitive)" is shown. */
  sensitive?: boolean;
  /** The content comes from secrets: "(secret changed)". */
  secret?: boolean;
}

/** The `content` change from `from` (null: absent) to `to`, or null when equal. */
export function contentChange(label: string, from: Uint8Array | null, to: Uint8Array, options: ContentOptions = {}): Change | null {
  if (from && Buffer.from(from).equals(Buffer.from(to))) return null;
  if (options.secret) return { property: 'content', from: from ? '(secret)' : null, to: '(secret)', secret: true };
  if (options.sensitive) {
    return { property: 'content', from: from ? summary(from) : null, to: summary(to), diff: '(content hidden: sensitive)' };
  }
  const change: Change = { property: 'content', from: from ? summary(from) : null, to: summary(to) };
  if (isText(to) && (!from || isText(from)) && to.byteLength + (from?.byteLength ?? 0) <= MAX_DIFF_INPUT) {
    change.diff = unifiedDiff(label, from ? Buffer.from(from).toString('utf8') : '', Buffer.from(to).toString('utf8'), !from);
  } else {
    change.diff = '(binary content differs)';
  }
  return change;
}

/** A unified diff of two texts, trimmed to a readable length. */
export function unifiedDiff(label: string, before: string, after: string, created = false): string {
  const patch = before === '' ? addedPatch(created ? '/dev/null' : label, label, after) : createTwoFilesPatch(created ? '/dev/null' : label, label, before, after, '', '', { context: 3 });
  const lines = patch.split('\n');
  while (lines.length && !lines[0]!.startsWith('---')) lines.shift(); // drop the Index/=== header lines
  // jsdiff puts a tab after the names when headers are empty
  if (lines[0]) lines[0] = lines[0].trimEnd();
  if (lines[1]) lines[1] = lines[1].trimEnd();
  const body = lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
  if (body.length <= MAX_DIFF_LINES) return body.join('\n');
  return [...body.slice(0, MAX_DIFF_LINES), `… ${body.length - MAX_DIFF_LINES} more diff lines`].join('\n');
}

/**
 * What createTwoFilesPatch gives for an empty `before`, written out: every line added
 * (a first converge creates every file: jsdiff's diff of '' cost ~90 µs a file).
 */
export function addedPatch(from: string, to: string, after: string): string {
  const head = `===================================================================\n--- ${from}\n+++ ${to}\n`;
  if (after === '') return head;
  const lines = after.split('\n');
  const complete = lines[lines.length - 1] === '';
  if (complete) lines.pop();
  const body = lines.map((l) => `+${l}\n`).join('');
  return `${head}@@ -0,0 +1,${lines.length} @@\n${body}${complete ? '' : '\\ No newline at end of file\n'}`;
}

/** "123 bytes, sha256 1a2b3c4d". */
function summary(bytes: Uint8Array): string {
  const hash = sha256Hex(bytes).slice(0, 12);
  return `${bytes.byteLength} bytes, sha256 ${hash}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
