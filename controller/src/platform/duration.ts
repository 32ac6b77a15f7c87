// Durations as manifests write them: 30s, 5m, 1h. (The agent config has the
// same rule; this module has no other dependencies, so schemas anywhere can use it.)
import { z } from 'zod';
import { DURATION } from './duration-ms.js';

/** A duration like 30s, 15m, 1h. */
export const DurationText = z.string({ error: 'must be a duration like 30s, 15m or 1h' }).regex(DURATION, { error: 'must be a duration like 30s, 15m or 1h' });
