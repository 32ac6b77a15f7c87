// secrets-map.yml: env files by name, where each goes, and which vault secret fills each variable.
import { z } from '../platform/zod.js';

/** An environment variable name (also a CIFS credentials key: `username`, `password`). */
export const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Key Vault secret name. */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** An env file name, as `envFile: <name>` refers to it. */
export const ENV_FILE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** An env file path, one for all systems or one per OS. */
export const EnvFilePath = z.union([
  z.string().min(1, { error: 'path must not be empty' }),
  z.strictObject({
    linux: z.string().min(1).optional().describe('path on Linux hosts'),
    macos: z.string().min(1).optional().describe('path on macOS hosts'),
    windows: z.string().min(1).optional().describe('path on Windows hosts (C:/…)'),
  }),
]);
export type EnvFilePath = z.infer<typeof EnvFilePath>;

const Account = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$|^\d+$/, { error: 'must be a user/group name or a numeric id' });

/** One env file: where it goes, who owns it, and VAR → vault secret name. */
export const EnvFileEntry = z.strictObject({
  description: z.string().optional().describe('what reads this file, for people'),
  path: EnvFilePath.describe('where the file goes: one path, or { linux, macos, windows }'),
  owner: Account.optional().describe('owner of the file on Linux and macOS (mode is always 0600)'),
  group: Account.optional().describe('group of the file on Linux and macOS'),
  vars: z
    .record(
      z.string().regex(ENV_VAR, { error: 'an env var name is letters, digits and _, not starting with a digit' }),
      z.string({ error: 'a Key Vault secret name, like openai-api-key' }).regex(SECRET_NAME, { error: 'a Key Vault secret name is 1-127 letters, digits and -' }),
    )
    .refine((vars) => Object.keys(vars).length > 0, { error: 'an env file needs at least one variable' })
    .describe('VAR: key-vault-secret-name'),
});
export type EnvFileEntry = z.infer<typeof EnvFileEntry>;

export const SecretsMap = z.strictObject({
  envFiles: z
    .record(z.string().regex(ENV_FILE_NAME, { error: 'an env file name is lowercase letters, digits, . _ -' }), EnvFileEntry)
    .describe('env files by name; a resource `envFile: <name>` renders one'),
});
export type SecretsMap = z.infer<typeof SecretsMap>;
