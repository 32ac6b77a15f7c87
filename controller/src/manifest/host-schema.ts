// host.yml: what a device is (os, roles, vars) and how it is converged.
import { z } from '../platform/zod.js';
import { OSES } from '../platform/os.js';
import { HostCheck } from './check-schema.js';
import { RING_NAME } from './fleet-schema.js';
import { MaintenanceWindow } from './window-schema.js';

/** A host or role name: a lowercase DNS label. */
export const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ROLE_NAME = /^[a-z0-9]([a-z0-9._-]{0,62})$/;

/** An OpenSSH public key line: type, base64 and an optional comment; nothing that could add allowed-signers options. */
export const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$/;

const AgentKey = z
  .string()
  .regex(SSH_PUBLIC_KEY, {
    error: 'agentKey must be an SSH public key line, like ssh-ed25519 AAAA… converge@host (the .pub file bootstrap printed)',
  });

export const HostFile = z.strictObject({
  os: z.enum(OSES).describe('linux | macos | windows'),
  arch: z.string().optional().describe('CPU architecture (x86_64, aarch64); facts supply it on the device'),
  description: z.string().optional().describe('what this device is, for people'),
  roles: z
    .array(z.string().regex(ROLE_NAME, { error: 'a role name is a folder name under hosts/_roles/ (lowercase letters, digits, . _ -)' }))
    .default([])
    .describe('folders under hosts/_roles/ whose resources this host also gets'),
  vars: z.record(z.string(), z.unknown()).default({}).describe('values for templates (over role defaults)'),
  prune: z.boolean().default(false).describe('remove what converge created and the manifests no longer declare'),
  agentKey: z
    .union([AgentKey, z.array(AgentKey).min(1)])
    .optional()
    .describe("this device's own SSH public key (made at bootstrap): its status reports count as its own only when signed by it; a list while rotating"),
  ring: z.string().regex(RING_NAME, { error: 'a ring name is lowercase letters, digits and - (a ring of hosts/_fleet.yml)' }).optional().describe('the rollout ring of hosts/_fleet.yml this host is in (default: the last ring)'),
  branch: z.string().regex(/^testing-[a-z0-9-]+$/, { error: 'a host may follow only its own testing branch: testing-<host>' }).optional().describe('follow this branch instead of the fleet branch (canary work): testing-<host>, which must descend from the fleet branch'),
  window: MaintenanceWindow.optional().describe('when new commits may be applied: days, start, length, timeZone; deferIf checks postpone an apply inside it'),
  checks: z.array(HostCheck).default([]).describe('health checks run after each converge; one that passed before and fails after a new commit rolls that converge back'),
});
export type HostFile = z.infer<typeof HostFile>;

/** Top level of any other manifest file: resources, and in a role, default vars and a maintenance window. */
export const ResourceFileTop = z.strictObject({
  // `resources:` with every entry commented out is null: a file with nothing in it yet, like an empty one.
  resources: z.array(z.unknown(), { error: 'resources must be a list' }).nullable().optional(),
  vars: z.record(z.string(), z.unknown(), { error: 'vars must be a mapping' }).optional(),
  window: MaintenanceWindow.optional(),
});
export type ResourceFileTop = z.infer<typeof ResourceFileTop>;
