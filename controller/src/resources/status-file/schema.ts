import { z } from 'zod';
import { commonFields, HostPath, posixAttributes } from '../shared/fields.js';

const RESERVED = ['host', 'time', 'commit', 'result', 'resources', 'agent'];

/** The `_status.json` health signal, rewritten after each converge. */
export const StatusFileSpec = z.strictObject({
  statusFile: HostPath.describe('absolute path of the JSON file, e.g. /space/devices/<host>/<user>/_status.json'),
  fields: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .refine((f) => !f || Object.keys(f).every((k) => !RESERVED.includes(k)), {
      error: `fields may not redefine ${RESERVED.join(', ')}`,
    })
    .describe('extra fields written into the file (user, role…)'),
  ...posixAttributes,
  ...commonFields,
});
export type StatusFileSpec = z.infer<typeof StatusFileSpec>;
