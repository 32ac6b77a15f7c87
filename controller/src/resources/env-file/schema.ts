import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { ENV_FILE_NAME } from '../../secrets/schema.js';

/** An env file of secrets-map.yml, rendered from the vault with mode 0600. */
export const EnvFileSpec = z.strictObject({
  envFile: z
    .string({ error: 'envFile names an env file of secrets-map.yml, like litellm' })
    .regex(ENV_FILE_NAME, { error: 'an env file name is lowercase letters, digits, . _ - (a key of envFiles in secrets-map.yml)' })
    .describe('the name of an env file in secrets-map.yml'),
  ensure: Ensure,
  ...commonFields,
});
export type EnvFileSpec = z.infer<typeof EnvFileSpec>;

/** The spec after load (path, owner, variables from secrets-map.yml) and at run time (the values). */
export type EnvFileDesired = EnvFileSpec & {
  /** Host path, for this host's OS. */
  path: string;
  owner?: string;
  group?: string;
  /** VAR → vault secret name. */
  secrets: Record<string, string>;
  /** VAR → value: only in the run-time desired state, never in the inventory or a report. */
  values?: Record<string, string>;
  /** Why the values were not read (no secret backend configured): the plan shows the rest. */
  unread?: string;
};
