import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { WindowsInstaller } from './windows-fields.js';

/**
 * A package, installed by the host's package manager. The fields here mean
 * the same on every OS; fields only one OS understands (an installer URL and
 * checksum on Windows, say) are added as optional fields and rejected for
 * other systems in the type's check(), per OS.
 */
export const PackageSpec = z.strictObject({
  package: z.string().min(1).describe('the package name, as the package manager knows it'),
  ensure: Ensure,
  version: z.string().min(1).optional().describe('this exact version (apt: name=version; Windows: the DisplayVersion); any version when not given'),
  installer: WindowsInstaller.optional().describe('Windows: the pinned MSI or EXE (url, sha256, silent args); the package name is its DisplayName in Programs and Features'),
  ...commonFields,
});
export type PackageSpec = z.infer<typeof PackageSpec>;
