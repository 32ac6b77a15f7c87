import { z } from '../../platform/zod.js';
import { commonFields, Ensure, HostPath, Principal } from '../shared/fields.js';

/** A symbolic link and where it points. */
export const SymlinkSpec = z.strictObject({
  symlink: HostPath.describe('absolute path of the link'),
  target: z.string({ error: 'target is required: where the link points' }).min(1).describe('where the link points, written as given (`~` is expanded); relative targets stay relative'),
  ensure: Ensure,
  force: z.boolean().optional().describe('replace a directory standing at this path (and its contents)'),
  owner: Principal.optional(),
  group: Principal.optional(),
  ...commonFields,
});
export type SymlinkSpec = z.infer<typeof SymlinkSpec>;
