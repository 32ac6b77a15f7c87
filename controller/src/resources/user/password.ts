// The password of an account: locked, or a crypt(3) hash read from Key Vault
// at run time. The hash is a secret: it is scrubbed from every output, shown
// as "(secret changed)", and refused when it could smuggle a second line into
// chpasswd's input.
import type { Change, Context } from '../types.js';
import type { UserDesired } from './schema.js';
import { isLockedField } from '../shared/account-files.js';
import { readSecret } from '../../secrets/run-cache.js';
import { rememberSecret } from '../../secrets/scrubbing.js';
import { ConvergeError } from '../../platform/errors.js';

const CRYPT_HASH = /^\$[0-9a-z]+\$[./0-9A-Za-z$=,]+$/;

/** The spec with the vault's hash (and whether it runs under --root). */
export async function userDesire(spec: UserDesired, ctx: Context): Promise<UserDesired> {
  const desired: UserDesired = { ...spec, sandboxed: ctx.sandboxed };
  if (spec.ensure === 'absent' || spec.password === undefined || spec.password === 'locked') return desired;
  const secret = spec.password.hashSecret;
  const hash = (await readSecret(ctx, secret)).trim();
  rememberSecret(ctx.scrubber, hash);
  if (!CRYPT_HASH.test(hash)) {
    throw new ConvergeError('invalid-input', `Key Vault secret '${secret}' is not a crypt(3) hash ($6$… or $y$…, one line): the password of ${spec.user} was not changed`);
  }
  return { ...desired, passwordHash: hash };
}

/** The password change for an observed shadow field (undefined: no entry yet), or null when in sync. */
export function passwordChange(spec: UserDesired, field: string | undefined, creating: boolean): Change | null {
  if (spec.password === undefined) return null;
  if (spec.password === 'locked') {
    // useradd makes a locked account already.
    if (creating || isLockedField(field)) return null;
    return { property: 'password', from: field === '' ? 'empty (no password needed)' : 'set', to: 'locked' };
  }
  if (!creating && field === spec.passwordHash) return null;
  return { property: 'password', from: creating ? null : '(secret)', to: '(secret)', secret: true };
}
