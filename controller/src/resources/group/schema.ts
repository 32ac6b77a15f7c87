import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { AccountId, AccountName, GroupName } from '../shared/account-fields.js';

/** A local group. `members`, when given, is the whole list: others are removed (a user's `groups:` only adds). */
export const GroupSpec = z.strictObject({
  group: GroupName.describe('the group name'),
  ensure: Ensure,
  gid: AccountId.optional().describe('Linux/macOS: the numeric gid'),
  system: z.boolean().optional().describe('Linux: a system group (gid below 1000), at creation only'),
  members: z.array(AccountName).optional().describe('exactly these users (others are removed); left alone when not given'),
  ...commonFields,
});
export type GroupSpec = z.infer<typeof GroupSpec>;

/** The spec at run time. */
export type GroupDesired = GroupSpec & { sandboxed?: boolean };
