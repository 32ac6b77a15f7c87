// When things happen: the converge interval as a node-cron schedule (with a
// per-host offset and random jitter so a fleet does not converge in the same
// second), and backoff for a remote that fails.
import { createHash } from 'node:crypto';
import type { ScheduledTask } from 'node-cron';
import type { Logger } from '../platform/logger.js';

/** A cron expression (with seconds) that fires every `ms`, offset by `seed`; null when cron cannot say it exactly. */
export function cronFor(ms: number, seed: string): string | null {
  const s = ms / 1000;
  const offset = (n: number) => parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) % n;
  if (!Number.isInteger(s) || s <= 0) return null;
  if (s < 60) return 60 % s === 0 ? `${offset(s)}-59/${s} * * * * *` : null;
  const m = s / 60;
  if (!Number.isInteger(m)) return null;
  if (m < 60) return 60 % m === 0 ? `${offset(60)} ${offset(m)}-59/${m} * * * *` : null;
  const h = m / 60;
  if (!Number.isInteger(h)) return null;
  if (h < 24) return 24 % h === 0 ? `${offset(60)} ${offset(60)} ${offset(h)}-23/${h} * * *` : null;
  return h === 24 ? `${offset(60)} ${offset(60)} ${offset(24)} * * *` : null;
}

/** The most random delay added to a scheduled converge: a tenth of the interval, at most five minutes. */
export function jitterFor(ms: number): number {
  return Math.min(Math.floor(ms / 10), 5 * 60_000);
}

/** Delay before the next try after `failures` failures in a row: doubling from `base`, capped, ±20 %. */
export function backoff(base: number, failures: number, cap = Math.max(base, 5 * 60_000)): number {
  if (failures <= 0) return base;
  const plain = Math.min(cap, base * 2 ** Math.min(failures, 20));
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

/** A repeating job: node-cron when the interval is a cron step, a jittered timer otherwise. */
export interface Repeater {
  stop(): Promise<void>;
}

/** Call `fire` every `ms` (plus jitter) until stopped. */
export async function repeat(ms: number, seed: string, log: Logger, fire: () => void): Promise<Repeater> {
  const expression = cronFor(ms, seed);
  const jitter = jitterFor(ms);
  if (expression) {
    const cron = await import('node-cron');
    const task: ScheduledTask = cron.schedule(expression, () => fire(), {
      name: `converge-${seed}`,
      noOverlap: true,
      maxRandomDelay: jitter,
      logger: {
        info: (message: string) => log.debug({ message }, 'scheduler'),
        warn: (message: string) => log.debug({ message }, 'scheduler'),
        error: (message: string | Error) => log.warn({ err: String(message) }, 'scheduler error'),
        debug: (message: string | Error) => log.debug({ message: String(message) }, 'scheduler'),
      },
    });
    log.debug({ cron: expression, jitterMs: jitter }, 'interval scheduled');
    return { stop: async () => void (await task.destroy()) };
  }
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      fire();
      next();
    }, ms + Math.floor(Math.random() * jitter));
  };
  next();
  log.debug({ everyMs: ms, jitterMs: jitter }, 'interval scheduled (timer: not a cron step)');
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
