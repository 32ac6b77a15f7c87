// The maintenance-window gate of a new commit (DESIGN §4): outside the
// host's window the commit waits (`pending`, with the time the window
// opens); inside it, a deferIf check that holds (a command exits 0, a unit is
// active, a process runs: a GPU busy with a training run) postpones the apply
// (`deferred`) until it clears, the window closes, or maxDefer has passed
// since the first deferral of that commit.
import type { MaintenanceWindow, DeferCheck } from '../manifest/window-schema.js';
import type { RolloutNote } from '../report/report.js';
import type { Runner } from '../platform/runner.js';
import { durationToMs } from '../platform/duration-ms.js';
import { windowState } from './window.js';

export type WindowOutcome = { kind: 'open'; note?: string } | { kind: 'pending' | 'deferred'; note: RolloutNote };

/** When the first deferral of a commit was, kept across polls (and restarts, in the agent state). */
export interface DeferralMemory {
  deferred?: { commit: string; since: string } | null;
}

/** Judge `commit` against `window` at `now`; `memory` is updated with the first deferral. */
export async function windowGate(window: MaintenanceWindow | undefined, commit: string, memory: DeferralMemory, now: Date, runner: Runner): Promise<WindowOutcome> {
  if (!window) return { kind: 'open' };
  const state = windowState(window, now);
  if (!state.open) return { kind: 'pending', note: { reason: `window opens ${state.opensAt.toISOString()} (${window.start} ${window.timeZone})`, opensAt: state.opensAt.toISOString() } };
  const busy = await firstBusy(window.deferIf, runner);
  if (!busy) return { kind: 'open' };
  const since = memory.deferred?.commit === commit ? new Date(memory.deferred.since) : now;
  memory.deferred = { commit, since: since.toISOString() };
  const limit = new Date(since.getTime() + durationToMs(window.maxDefer));
  if (now >= limit) return { kind: 'open', note: `deferred since ${since.toISOString()}: maxDefer ${window.maxDefer} reached, applying although ${busy}` };
  const until = limit < state.closesAt ? limit : state.closesAt;
  return { kind: 'deferred', note: { reason: `deferred: ${busy} (at most until ${until.toISOString()})`, opensAt: until.toISOString() } };
}

/** The first deferIf check that holds, described; null when the machine is not busy. */
async function firstBusy(checks: readonly DeferCheck[], runner: Runner): Promise<string | null> {
  for (const check of checks) {
    if (check.command !== undefined) {
      if ((await runner.shell(check.command, { timeoutMs: 30_000 })).exitCode === 0) return `deferIf command exited 0 (${clip(check.command)})`;
    } else if (check.unit !== undefined) {
      if ((await runner.run('systemctl', ['is-active', '--quiet', '--', check.unit], { timeoutMs: 30_000 })).exitCode === 0) return `unit ${check.unit} is active`;
    } else if (check.process !== undefined) {
      const r = runner.os === 'windows'
        ? await runner.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `if (Get-Process -Name '${check.process.replace(/'/g, "''")}' -ErrorAction SilentlyContinue) { exit 0 } else { exit 1 }`], { timeoutMs: 30_000 })
        : await runner.run('pgrep', ['-x', '--', check.process], { timeoutMs: 30_000 });
      if (r.exitCode === 0) return `process ${check.process} is running`;
    }
  }
  return null;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
