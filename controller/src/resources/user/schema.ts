import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { AccountId, AccountName, GroupName } from '../shared/account-fields.js';
import { SECRET_NAME } from '../../secrets/schema.js';

/** No password opens the account (`locked`), or its crypt(3) hash is read from Key Vault at run time: never a value in a manifest. */
export const UserPassword = z.union([
  z.literal('locked'),
  z.strictObject({
    hashSecret: z.string().regex(SECRET_NAME, { error: 'a Key Vault secret name is 1-127 letters, digits and -' }).describe('the Key Vault secret holding the crypt(3) hash ($6$… or $y$…)'),
  }),
], { error: 'password must be locked, or { hashSecret: <Key Vault secret name> }' });

/** One sudo command: a path with arguments, or ALL. No newline, comma or backslash, so it cannot add a rule of its own. */
const SudoCommand = z.string().regex(/^(ALL|\/[^\n\r,\\#:=]*)$/, { error: 'a sudo command is ALL or an absolute path (with arguments), without , \\ # : = or a newline' });

/** Rights through a sudoers.d file converge owns (checked with visudo -cf before it is put in place). */
export const UserSudo = z.union([
  z.boolean(),
  z.strictObject({
    commands: z.array(SudoCommand).min(1).default(['ALL']).describe('what the user may run as root (default ALL)'),
    nopasswd: z.boolean().default(true).describe('without a password (default true: a locked account has none)'),
  }),
]);
export type UserSudo = z.infer<typeof UserSudo>;

/** A local account. Unset fields are left as they are; `groups` are the least the user is in (others are kept). */
export const UserSpec = z.strictObject({
  user: AccountName.describe('the account name'),
  ensure: Ensure,
  uid: AccountId.optional().describe('Linux/macOS: the numeric uid'),
  group: GroupName.optional().describe('Linux/macOS: the primary group (it must exist); default a group of its own (Linux) or staff (macOS)'),
  groups: z.array(GroupName).optional().describe('groups the user is in, at least (sudo, admin, Administrators); membership in others is kept'),
  comment: z.string().regex(/^[^:\n\r]*$/, { error: 'a comment has no : or newline' }).optional().describe('the full name / GECOS field'),
  home: z.string().regex(/^\/[^:\n\r]*$/, { error: 'home must be an absolute path without :' }).optional().describe('Linux/macOS: the home directory (created with the account; moved when it changes)'),
  shell: z.string().regex(/^\/[^:\n\r]*$/, { error: 'shell must be an absolute path' }).optional().describe('Linux/macOS: the login shell'),
  system: z.boolean().optional().describe('Linux: a system account (uid below 1000, no home made), at creation only'),
  password: UserPassword.optional().describe('locked (no password opens it), or { hashSecret }; left alone when not given'),
  sudo: UserSudo.optional().describe('Linux/macOS: a sudoers.d file for this user (true: ALL, without a password)'),
  ...commonFields,
});
export type UserSpec = z.infer<typeof UserSpec>;

/** The spec at run time: the hash read from the vault, and where it runs. */
export type UserDesired = UserSpec & { passwordHash?: string; sandboxed?: boolean; noVisudo?: boolean };
