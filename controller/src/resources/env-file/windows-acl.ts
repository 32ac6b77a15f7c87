// Windows has no mode 0600: an env file there gets an ACL that only SYSTEM and
// the Administrators group can use, without inherited entries (a file under
// C:/ProgramData would otherwise be readable by every user). Set on the temp
// file before it replaces the target, so the secret is never readable by others.
// Not run here (Linux): tested by the command line it builds.
import type { Runner } from '../../platform/runner.js';
import { ConvergeError } from '../../platform/errors.js';

/** SIDs, so the command works whatever the system's language. */
const SYSTEM = '*S-1-5-18';
const ADMINISTRATORS = '*S-1-5-32-544';

/** The icacls arguments that leave `file` to SYSTEM and Administrators only. */
export function ownerOnlyAclArgs(file: string): string[] {
  return [file.replace(/\//g, '\\'), '/inheritance:r', '/grant:r', `${SYSTEM}:(F)`, `${ADMINISTRATORS}:(F)`];
}

/** Restrict `file` (a local Windows path) to SYSTEM and Administrators. */
export async function restrictToAdministrators(runner: Runner, file: string): Promise<void> {
  const r = await runner.run('icacls.exe', ownerOnlyAclArgs(file));
  if (r.exitCode !== 0) throw new ConvergeError('io', `icacls could not restrict ${file} to SYSTEM and Administrators (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
}
