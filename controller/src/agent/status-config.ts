// The agent config's `status:` block: where reports go past a fleet size.
// Absent, reports are pushed straight to the status branch (small fleets);
// `store: azure-blob` writes each host's report to its own blob instead, and
// one aggregator commits them (DESIGN §8).
import { z } from '../platform/zod.js';

const ConfigPath = z.string().min(1, { error: 'must not be empty' });

/** Azure's rule for container names: 3-63 of lowercase letters, digits and single hyphens. */
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export const StatusStoreConfig = z
  .strictObject({
    store: z.literal('azure-blob', { error: "store must be azure-blob (the only store so far); leave status: out to push to the status branch directly" }).describe('where each host writes its report'),
    account: z.string().regex(/^[a-z0-9]{3,24}$/, { error: 'account must be the storage account name: 3-24 lowercase letters and digits' }).optional().describe('storage account name (the URL is then https://ACCOUNT.blob.core.windows.net)'),
    url: z.url({ protocol: /^https?$/, error: 'url must be the blob service URL, like https://acct.blob.core.windows.net' }).optional().describe('blob service URL instead of account (an emulator, a sovereign cloud, a private endpoint)'),
    container: z.string().regex(CONTAINER, { error: 'container must be 3-63 lowercase letters, digits and single hyphens' }).describe('the container holding the reports (one blob per host)'),
    credential: z.enum(['managed-identity', 'client-certificate', 'default', 'sas', 'shared-key']).default('default').describe('how to sign in: Entra ID (managed-identity, client-certificate, default), a SAS token scoped to this host\'s blob (sasFile), or the account key (shared-key: aggregators and labs)'),
    clientId: z.string().optional().describe('user-assigned managed identity or app registration client id'),
    tenantId: z.string().optional().describe('Entra tenant, for client-certificate'),
    certificateFile: ConfigPath.optional().describe('PEM with the certificate and private key, for client-certificate'),
    sasFile: ConfigPath.optional().describe('file holding a SAS token (re-read on every write, so it can be rotated), for credential: sas'),
    accountKeyFile: ConfigPath.optional().describe('file holding the account key, for credential: shared-key'),
    signingKey: ConfigPath.optional().describe("SSH private key that signs each report (the host's own key; the aggregator's for its commits)"),
    pointer: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/, { error: 'pointer must be a blob name like fleet-head.json' }).optional().describe('blob holding the fleet branch head, written by CI on merge (converge status pointer): polled with a conditional request (ETag, 304) instead of git ls-remote'),
    pointerSasFile: ConfigPath.optional().describe('with credential: sas, a read-only SAS for the pointer blob (the same for every device)'),
    shardAbove: z.number().int().positive().default(2000).describe('past this many hosts the aggregator writes state/_<shard>/<host>/ and state/index.json'),
  })
  .superRefine((s, ctx) => {
    if (!s.account && !s.url) ctx.addIssue({ code: 'custom', path: ['account'], message: 'status needs account (the storage account name) or url' });
    if (s.account && s.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give account or url, not both' });
    const needs: Record<string, readonly ('tenantId' | 'clientId' | 'certificateFile' | 'sasFile' | 'accountKeyFile')[]> = {
      'client-certificate': ['tenantId', 'clientId', 'certificateFile'],
      sas: ['sasFile'],
      'shared-key': ['accountKeyFile'],
    };
    for (const key of needs[s.credential] ?? []) {
      if (!s[key]) ctx.addIssue({ code: 'custom', path: ['credential'], message: `credential: ${s.credential} needs ${key}` });
    }
  });
export type StatusStoreConfig = z.infer<typeof StatusStoreConfig>;
