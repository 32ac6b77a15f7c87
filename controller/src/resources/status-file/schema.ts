import { z } from '../../platform/zod.js';
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
  include: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/, { error: 'an include key is a name or a dotted path, like ingestion.icloud' }), HostPath)
    .optional()
    .refine((f) => !f || Object.keys(f).every((k) => !RESERVED.includes(k.split('.')[0]!)), { error: `include may not redefine ${RESERVED.join(', ')}` })
    .describe('JSON files written by others (ingestion reports) embedded under these keys; a missing or unreadable file is reported as such'),
  mounts: z.array(HostPath).optional().describe('paths reported as mounted or not mounted (the SMB mounts of the device)'),
  ...posixAttributes,
  ...commonFields,
});
export type StatusFileSpec = z.infer<typeof StatusFileSpec>;
