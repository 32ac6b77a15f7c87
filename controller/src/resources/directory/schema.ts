import { z } from '../../platform/zod.js';
import { commonFields, Ensure, HostPath, posixAttributes } from '../shared/fields.js';

/** A directory and its attributes. */
export const DirectorySpec = z.strictObject({
  directory: HostPath.describe('absolute path of the directory'),
  ensure: Ensure,
  force: z.boolean().optional().describe('replace a file or symlink at this path; with ensure: absent, remove a non-empty directory'),
  ...posixAttributes,
  ...commonFields,
});
export type DirectorySpec = z.infer<typeof DirectorySpec>;
