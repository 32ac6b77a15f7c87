// host.yml: what a device is (os, roles, vars) and how it is converged.
import { z } from 'zod';
import { OSES } from '../platform/os.js';
import { HostCheck } from './check-schema.js';

/** A host or role name: a lowercase DNS label. */
export const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ROLE_NAME = /^[a-z0-9]([a-z0-9._-]{0,62})$/;

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
  checks: z.array(HostCheck).default([]).describe('health checks run after each converge; one that passed before and fails after a new commit rolls that converge back'),
});
export type HostFile = z.infer<typeof HostFile>;

/** Top level of any other manifest file: resources, and in a role, default vars. */
export const ResourceFileTop = z.strictObject({
  // `resources:` with every entry commented out is null: a file with nothing in it yet, like an empty one.
  resources: z.array(z.unknown(), { error: 'resources must be a list' }).nullable().optional(),
  vars: z.record(z.string(), z.unknown(), { error: 'vars must be a mapping' }).optional(),
});
export type ResourceFileTop = z.infer<typeof ResourceFileTop>;
