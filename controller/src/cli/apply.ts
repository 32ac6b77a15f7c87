// converge apply: converge once, one line per change, a summary, the report.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { prepareHostRun } from './host-run.js';
import type { HostRunFlags } from './host-run.js';
import { runHost } from '../engine/run-host.js';
import { Printer, Progress } from './output.js';
import { applyLine, changeLines, checkLines, summaryText } from '../report/format.js';
import { acquireLock } from '../platform/lock.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { ConvergeError } from '../platform/errors.js';

export interface ApplyFlags extends HostRunFlags {
  detailedExitcode?: boolean;
  diff?: boolean;
  lockWait?: string;
}

export async function applyCommand(flags: ApplyFlags): Promise<number> {
  const lockWait = Number(flags.lockWait ?? 300);
  if (flags.lockWait?.trim() === '' || !Number.isFinite(lockWait) || lockWait < 0) {
    throw new ConvergeError('invalid-input', `--lock-wait takes a number of seconds, like 0 or 300 (got '${flags.lockWait}')`);
  }
  const run = await prepareHostRun(flags, { writeCache: true });
  const out = new Printer();
  const err = new Printer(process.stderr);
  const lock = await acquireLock(run.base.stateDir, {
    command: `converge apply ${run.loaded.host.name}`,
    waitMs: lockWait * 1000,
    onWait: (h) => err.line(`waiting for ${h.command} (pid ${h.pid}, since ${h.since}) to finish…`),
  });
  const stop = new AbortController();
  // The first signal stops between resources; a repeated SIGTERM changes nothing (a service manager may
  // send more than one). A second Ctrl-C stops at once: writes are atomic, and the next run clears temp files.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) return stop.abort(signal);
    if (signal === 'SIGINT') {
      err.line('interrupted again: stopping now; run apply again to finish');
      process.exit(130);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const progress = new Progress();
  let done = 0;
  const total = run.loaded.resources.length;
  try {
    const { report } = await runHost(run.loaded, run.base, {
      mode: 'apply',
      commit: run.commit,
      signal: stop.signal,
      onResource(r) {
        progress.update(++done, total, r.id);
        if (flags.json) return;
        const line = applyLine(r, out.style.bind(out));
        if (!line) return;
        progress.clear();
        out.line(line);
        if (flags.diff) for (const c of r.changes ?? []) if (c.diff) for (const l of changeLines(c, out.style.bind(out)).slice(1)) out.line(`    ${l}`);
      },
    });
    progress.clear();
    const reportFile = path.join(run.base.stateDir, 'reports', `${report.host}.json`);
    await mkdir(path.dirname(reportFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(reportFile, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });
    if (flags.json) {
      out.line(JSON.stringify(report, null, 2));
    } else {
      const seconds = (report.durationMs / 1000).toFixed(2);
      for (const line of checkLines(report, out.style.bind(out))) out.line(line);
      out.line(out.style(`Applied ${report.host}: ${summaryText(report.summary)} in ${seconds} s`, 'bold'));
      out.line(out.style(`report: ${reportFile}`, 'dim'));
    }
    const s = report.summary;
    if (stop.signal.aborted) {
      // Not converged: what was not reached is still to do, and a script must not take this run for a success.
      err.line(err.style(`interrupted by ${String(stop.signal.reason)}: what was not reached is reported as skipped; run apply again to finish`, 'red'));
      return 1;
    }
    if (s.failed > 0 || report.result === 'rolledBack' || report.result === 'failed') return 1;
    return flags.detailedExitcode && (s.changed > 0 || s.pruned > 0) ? 2 : 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await lock.release();
  }
}
