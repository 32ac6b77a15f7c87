// What the last converge's checks said, per host, in the state directory:
// "a check that passed before" is read from here.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult } from '../report/report.js';
import { writeFileAtomicSync } from '../platform/fs-atomic.js';
import { errnoOf } from '../platform/errors.js';

export interface CheckState {
  version: 1;
  /** The last commit converged and kept (not rolled back). */
  commit: string | null;
  checks: Record<string, { status: CheckResult['status']; at: string; commit: string | null }>;
}

function fileOf(stateDir: string, host: string): string {
  return path.join(stateDir, 'checks', `${host}.json`);
}

/** The recorded check results of a host (empty when none yet). */
export function readCheckState(stateDir: string, host: string): CheckState {
  try {
    const parsed = JSON.parse(readFileSync(fileOf(stateDir, host), 'utf8')) as CheckState;
    return { version: 1, commit: parsed.commit ?? null, checks: parsed.checks ?? {} };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || error instanceof SyntaxError) return { version: 1, commit: null, checks: {} };
    throw error;
  }
}

/** Record check results (skipped ones keep what was known before). */
export function writeCheckState(stateDir: string, host: string, previous: CheckState, commit: string | null, results: readonly CheckResult[]): void {
  const at = new Date().toISOString();
  const checks = { ...previous.checks };
  for (const r of results) if (r.status !== 'skipped') checks[r.name] = { status: r.status, at, commit };
  const file = fileOf(stateDir, host);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, JSON.stringify({ version: 1, commit, checks } satisfies CheckState, null, 1) + '\n', { mode: 0o600 });
}
