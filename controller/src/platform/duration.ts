// Durations as manifests write them: 30s, 5m, 1h. (The agent config has the
// same rule; this module has no dependencies, so schemas anywhere can use it.)
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** A duration like 30s, 15m, 1h. */
export const DurationText = z.string({ error: 'must be a duration like 30s, 15m or 1h' }).regex(DURATION, { error: 'must be a duration like 30s, 15m or 1h' });

/** Milliseconds of a duration string. */
export function durationToMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}
