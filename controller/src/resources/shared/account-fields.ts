// Schema pieces the user and group types share.
import { z } from '../../platform/zod.js';

/** A local account or group name: what useradd, dscl and New-LocalUser all accept. */
export const AccountName = z
  .string({ error: 'must be an account name, like mdt' })
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, { error: 'must be an account name: a letter or _, then letters, digits, _ . - (at most 32)' });

/** A group name, or Windows' built-in groups with a space ("Remote Desktop Users"). */
export const GroupName = z
  .string({ error: 'must be a group name, like sudo or Administrators' })
  .regex(/^[A-Za-z_][A-Za-z0-9_. -]{0,63}$/, { error: 'must be a group name: a letter or _, then letters, digits, space, _ . -' });

/** A numeric uid or gid. */
export const AccountId = z.number({ error: 'must be a number' }).int().min(0).max(4_294_967_294);
