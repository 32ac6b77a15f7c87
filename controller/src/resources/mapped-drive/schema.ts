import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';

const IPV4_HOST = /^\\\\\d+(\.\d+){3}\\/;
const UNC = /^\\\\[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\\[^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*$/;

/** A network drive letter in a user's logon session, mapped by converge's logon task. */
export const MappedDriveSpec = z.strictObject({
  mappedDrive: z
    .string({ error: 'must be a drive letter like X:' })
    .transform((s) => s.trim().toUpperCase().replace(/^([A-Z]):?\\?$/, '$1:'))
    .refine((s) => /^[D-Z]:$/.test(s), { error: 'must be a drive letter from D: to Z:, like X:' }),
  ensure: Ensure,
  remote: z
    .string({ error: 'remote is required: the share, like \\\\motoko.pangolin-vega.ts.net\\flux' })
    .transform((s) => s.replace(/\//g, '\\').replace(/\\+$/, ''))
    .refine((s) => UNC.test(s), { error: 'remote must be a UNC path to a fully qualified host, like \\\\motoko.pangolin-vega.ts.net\\flux (MagicDNS names, never an IP or a short name)' })
    .refine((s) => !IPV4_HOST.test(s), { error: 'remote names its host by an IP address: use the fully qualified name, like \\\\motoko.pangolin-vega.ts.net\\flux (credentials stored with cmdkey are bound to the name, and an IP bypasses MagicDNS)' }),
  user: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'user must be a Windows user name' }).optional().describe("whose logon session (default: the host's vars.user)"),
  credentials: z.string().optional().describe('a Windows path to the env file (an envFile resource) with username= and password= lines; the user gets a copy only they can read, stored with cmdkey for the share host'),
  ...commonFields,
});
export type MappedDriveSpec = z.infer<typeof MappedDriveSpec>;
