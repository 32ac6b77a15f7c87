import { z } from '../../platform/zod.js';

/** Windows: where the pinned installer comes from, and how it installs and is found again. */
export const WindowsInstaller = z.strictObject({
  url: z.url({ error: 'installer.url must be an https URL of the MSI or EXE' }).describe('the MSI or EXE (https)'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, { error: 'installer.sha256 must be the 64-hex-digit SHA256 of the installer' }).transform((s) => s.toLowerCase()),
  type: z.enum(['msi', 'exe']).optional().describe('msi or exe (default: from the URL)'),
  args: z.array(z.string()).optional().describe('EXE: its silent-install arguments (required for exe); MSI: extra properties (PROP=value)'),
  productCode: z.string().regex(/^\{[0-9A-Fa-f-]{36}\}$/, { error: 'productCode is an MSI product code like {12345678-ABCD-…}' }).optional().describe('MSI: the product code, found as an Uninstall key of that name'),
  uninstallArgs: z.array(z.string()).optional().describe('EXE: arguments for its uninstaller when it has no QuietUninstallString'),
});
export type WindowsInstaller = z.infer<typeof WindowsInstaller>;
