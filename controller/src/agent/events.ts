// What the agent tells interested parties (GitHub commit statuses, metrics)
// about its work. Listeners must not throw into the agent: their failures are
// logged and reported, never allowed to block a converge.
import type { Report } from '../report/report.js';

/** Why a run started. */
export type RunReason = 'commit' | 'interval' | 'drift' | 'once' | 'startup';

export interface RunEvents {
  /** A converge of `commit` is starting. */
  runStarted?(info: { host: string; commit: string | null; reason: RunReason }): void | Promise<void>;
  /** A run ended (converged, changed, drifted, failed, rejected or rolled back). */
  runFinished?(info: { report: Report; durationMs: number }): void | Promise<void>;
  /** A poll of the remote ended. */
  pollFinished?(info: { ok: boolean; moved: boolean; error?: string; cpuMs?: number }): void | Promise<void>;
  /** A push of the status branch ended. */
  pushFinished?(info: { ok: boolean; queued: number; error?: string }): void | Promise<void>;
}

/** Call one event on every listener; a listener's failure is passed to `onError`, never thrown. */
export async function emit<K extends keyof RunEvents>(
  listeners: readonly RunEvents[],
  event: K,
  info: Parameters<NonNullable<RunEvents[K]>>[0],
  onError: (error: unknown) => void,
): Promise<void> {
  for (const l of listeners) {
    const fn = l[event] as ((i: typeof info) => void | Promise<void>) | undefined;
    if (!fn) continue;
    try {
      await fn.call(l, info);
    } catch (error) {
      onError(error);
    }
  }
}
