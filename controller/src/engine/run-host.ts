// One run of a host as the CLI and the agent do it: converge (or plan), then
// the host's health checks; when a converge of a new commit makes a check
// fail that passed before, that converge is rolled back (its files from the
// backups, its unit and container changes from its journal, the inventory as
// it was) and the report says `rolledBack` with the failing check. The one
// place both `converge apply` and the agent call.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedHost } from '../manifest/load-host.js';
import type { BaseContext } from './context.js';
import { converge } from './converge.js';
import type { ConvergeOptions, RunOutcome } from './converge.js';
import { runChecks } from './checks.js';
import { readCheckState, writeCheckState } from './check-state.js';
import { rollBack } from './rollback.js';
import type { CheckResult } from '../report/report.js';
import { writeFileAtomicSync } from '../platform/fs-atomic.js';
import { errnoOf } from '../platform/errors.js';

/** Converge `loaded` once; with checks, check and roll back as DESIGN §4 says. */
export async function runHost(loaded: LoadedHost, base: BaseContext, options: ConvergeOptions): Promise<RunOutcome> {
  const checks = loaded.checks ?? [];
  if (options.mode !== 'apply' || checks.length === 0) return converge(loaded, base, options);

  const host = loaded.host.name;
  const inventoryFile = path.join(base.stateDir, 'inventory', `${host}.json`);
  const inventoryBefore = readOrNull(inventoryFile);
  const outcome = await converge(loaded, base, options);
  const report = outcome.report;
  const log = base.log.child({ component: 'checks', host });

  const previous = readCheckState(base.stateDir, host);
  const results = mark(await runChecks(checks, base, options.signal), previous.checks);
  report.checks = results;
  const regressed = results.find((r) => r.status === 'failed' && r.passedBefore);
  const newCommit = report.commit !== null && report.commit !== previous.commit;
  const changed = report.summary.changed + report.summary.pruned > 0;

  if (regressed && newCommit && changed) {
    log.warn({ check: regressed.name, message: regressed.message, commit: report.commit }, 'check failed after converge; rolling back');
    const undone = await rollBack(path.join(base.stateDir, 'backups', outcome.runId), base);
    restoreInventory(inventoryFile, inventoryBefore);
    const checksAfter = mark(await runChecks(checks, base, options.signal), previous.checks);
    report.result = 'rolledBack';
    report.failedCheck = regressed;
    report.rollback = { ...undone, checksAfter };
    // The rolled-back commit is not kept: the last good one stays the reference.
    writeCheckState(base.stateDir, host, previous, previous.commit, checksAfter);
    log.warn({ restored: undone.restored.length, undone: undone.undone.length, errors: undone.errors }, 'rolled back');
    return outcome;
  }

  writeCheckState(base.stateDir, host, previous, report.commit, results);
  // A failing check that is not a regression to roll back still makes the run failed.
  if (results.some((r) => r.status === 'failed')) report.result = 'failed';
  return outcome;
}

function mark(results: CheckResult[], before: Record<string, { status: string }>): CheckResult[] {
  return results.map((r) => ({ ...r, passedBefore: before[r.name]?.status === 'passed' }));
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
}

function restoreInventory(file: string, before: Buffer | null): void {
  if (before === null) rmSync(file, { force: true });
  else writeFileAtomicSync(file, before, { mode: 0o600 });
}
