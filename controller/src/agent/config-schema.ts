// /etc/converge/config.yml: which host this device is, where the fleet lives,
// how often to look, and whom to trust. Strict: a typo is an error with file:line.
import { z } from '../platform/zod.js';
import { HOST_NAME } from '../manifest/host-schema.js';
import { StatusStoreConfig } from './status-config.js';
import { DurationText as Duration } from '../platform/duration.js';
import { DURATION, durationToMs } from '../platform/duration-ms.js';

/** A duration that must be longer than zero: a zero poll or interval would spin. */
const Every = Duration.refine((text) => !DURATION.test(text) || durationToMs(text) > 0, { error: 'must be longer than 0, like 30s' });

/** A branch name git accepts (git check-ref-format --branch): no spaces, no `..`, no `~^:?*[\\`, no part starting with `.` or ending in `.lock`. */
export function isBranchName(name: string): boolean {
  if (!name || name.startsWith('-') || name.includes('..') || name.includes('@{') || name === '@') return false;
  if (/[\s~^:?*[\\]/.test(name) || [...name].some((c) => c < ' ' || c === '\u007f')) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock') && !part.endsWith('.'));
}

const Branch = z.string().refine(isBranchName, { error: 'must be a git branch name, like main' });

/** A path in the config: an empty one would silently mean the config's own folder. */
const ConfigPath = z.string().min(1, { error: 'must not be empty' });

export const TrustConfig = z.strictObject({
  allowedSigners: ConfigPath.optional().describe('SSH allowed-signers file (git gpg.ssh.allowedSignersFile)'),
  gpgKeyring: ConfigPath.optional().describe('GnuPG home or keyring holding the keys allowed to sign'),
  allowUnsigned: z.boolean().optional().describe('apply unsigned commits: only for a lab; logged loudly at every start'),
});

export const SecretsConfig = z
  .strictObject({
    keyVault: z
      .url({ protocol: /^https$/, error: 'keyVault must be the vault URL, like https://kv-x.vault.azure.net' })
      .optional()
      .describe('the Azure Key Vault URL, like https://kv-x.vault.azure.net'),
    credential: z.enum(['managed-identity', 'client-certificate', 'default']).default('default').optional().describe('how the agent signs in to Entra ID'),
    clientId: z.string().optional().describe('user-assigned managed identity or app registration client id'),
    tenantId: z.string().optional().describe('Entra tenant, for client-certificate'),
    certificateFile: ConfigPath.optional().describe('PEM with the certificate and private key, for client-certificate'),
    file: ConfigPath.optional().describe('a local 0600 JSON or .env file of secrets (labs and tests)'),
  })
  .superRefine((s, ctx) => {
    if (s.keyVault && s.file) ctx.addIssue({ code: 'custom', path: ['file'], message: 'give keyVault or file, not both' });
    if (s.credential === 'client-certificate') {
      for (const key of ['tenantId', 'clientId', 'certificateFile'] as const) {
        if (!s[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required with credential: client-certificate` });
      }
    }
  });
export type SecretsConfig = z.infer<typeof SecretsConfig>;

/** A GitHub App installation: converge signs a JWT with the App's key and exchanges it for short-lived installation tokens. */
export const GithubAppConfig = z.strictObject({
  id: z.union([z.number().int().positive(), z.string().min(1)]).describe('the App ID (or its client ID)'),
  installationId: z.number().int().positive().describe('the installation of the App on the fleet repository (the number in its settings URL)'),
  privateKeyFile: ConfigPath.describe("PEM file with the App's private key (mode 0600)"),
});

export const GithubConfig = z
  .strictObject({
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'repository must be owner/name' }).optional().describe('owner/name of the fleet repository (default: taken from repo: when it is on github.com)'),
    tokenFile: ConfigPath.optional().describe('file holding a fine-grained token (commit statuses: write); re-read on every run'),
    app: GithubAppConfig.optional().describe('a GitHub App installation instead of a token'),
    apiUrl: z.url().optional().describe('GitHub API URL (GitHub Enterprise: https://HOST/api/v3)'),
  })
  .superRefine((g, ctx) => {
    if (g.tokenFile !== undefined && g.app !== undefined) ctx.addIssue({ code: 'custom', path: ['app'], message: 'give tokenFile or app, not both' });
    if (g.tokenFile === undefined && g.app === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'github needs tokenFile (a fine-grained token) or app (a GitHub App installation)' });
  });
export type GithubConfig = z.infer<typeof GithubConfig>;

export const AgentConfig = z.strictObject({
  host: z.string().regex(HOST_NAME, { error: 'host must be a lowercase DNS label, the name of a folder under hosts/' }).describe('which hosts/<name>/ to converge'),
  repo: z.string().min(1).describe('the fleet repository: any git URL, file:// too'),
  branch: Branch.default('main'),
  statusBranch: Branch.default('status'),
  statusRepo: z.string().min(1, { error: 'must not be empty' }).optional().describe('push reports to another repository'),
  stateDir: ConfigPath.optional().describe('clone, inventory, backups, queued reports, lock (default /var/lib/converge, or <root>/var/lib/converge under a sandbox root)'),
  root: ConfigPath.default('/').describe('a sandbox root for labs and tests, as --root'),
  poll: Every.default('30s'),
  interval: Every.default('15m'),
  heartbeat: Every.default('24h').describe('commit a status report at least this often, even when nothing happened'),
  driftWindow: Duration.default('1m').describe('drift reports within this window after the last one are pushed together, as one status commit listing every event'),
  signingKey: ConfigPath.optional().describe("this host's private SSH key (made at bootstrap): status commits are signed with it; its public half is agentKey: in hosts/<host>/host.yml"),
  selfHeal: z.boolean().default(true),
  selfUpgrade: z.boolean().default(true).describe('a commit that changes the agent (controller code, lockfile, runtime pin) installs the new release and restarts on it; false pins this device to the agent it runs (such commits are then applied by it)'),
  upgradeDeadline: Every.default('10m').describe('how long a new release has to report the commit applied before the previous one is switched back'),
  mode: z.enum(['enforce', 'monitor']).default('enforce'),
  trust: TrustConfig.default({}),
  secrets: SecretsConfig.optional(),
  github: GithubConfig.optional(),
  status: StatusStoreConfig.optional().describe('write reports to an object store for an aggregator (large fleets); absent: push them to the status branch'),
  metrics: z
    .string()
    .regex(/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost):\d{1,5}$/, { error: 'metrics must be a loopback address like 127.0.0.1:9464' })
    .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65535, { error: 'metrics port must be at most 65535' })
    .optional(),
}).superRefine((c, ctx) => {
  // Reports pushed onto the fleet branch would be unsigned commits the agent then rejects (and a protected branch refuses).
  if (c.statusBranch === c.branch && (c.statusRepo === undefined || c.statusRepo === c.repo)) {
    ctx.addIssue({ code: 'custom', path: ['statusBranch'], message: `statusBranch must not be the fleet branch ${c.branch}: reports go to a branch of their own (default status), or to statusRepo` });
  }
});
export type AgentConfig = z.infer<typeof AgentConfig>;
