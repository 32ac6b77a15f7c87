// Durations as manifests and the agent config write them: 30s, 5m, 1h. Its only
// dependency is zod, so schemas anywhere can use it (durationToMs: duration-ms.ts).
import { z } from './zod.js';
import { DURATION } from './duration-ms.js';

/** A duration like 30s, 15m, 1h. */
export const DurationText = z.string({ error: 'must be a duration like 30s, 15m or 1h' }).regex(DURATION, { error: 'must be a duration like 30s, 15m or 1h' });
