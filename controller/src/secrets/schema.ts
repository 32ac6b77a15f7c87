// secrets-map.yml: env files by name, where each goes, and which vault secret fills each variable.
import { z } from 'zod';

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** An env file path, one for all systems or one per OS. */
export const EnvFilePath = z.union([
  z.string().min(1),
  z.strictObject({ linux: z.string().optional(), macos: z.string().optional(), windows: z.string().optional() }),
]);

export const EnvFileEntry = z.strictObject({
  path: EnvFilePath.describe('where the file goes: one path, or { linux, macos, windows }'),
  owner: z.string().optional().describe('owner of the file (mode is always 0600)'),
  group: z.string().optional(),
  vars: z
    .record(
      z.string().regex(ENV_VAR, { error: 'an env var name is letters, digits and _, not starting with a digit' }),
      z.string().regex(SECRET_NAME, { error: 'a Key Vault secret name is 1-127 letters, digits and -' }),
    )
    .describe('VAR: key-vault-secret-name'),
});

export const SecretsMap = z.strictObject({
  envFiles: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'an env file name is lowercase letters, digits, . _ -' }), EnvFileEntry),
});
export type SecretsMap = z.infer<typeof SecretsMap>;
