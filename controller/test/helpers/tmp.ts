// Temp folders for tests, removed after each test. Always under the OS temp
// directory, never anywhere else.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh folder for this test, removed when the test finishes (keep with KEEP_TMP=1). */
export function tempDir(prefix = 'converge-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.KEEP_TMP) {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}
