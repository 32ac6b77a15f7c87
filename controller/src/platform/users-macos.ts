// On macOS most accounts live in Directory Services, not /etc/passwd: names
// that the files do not know are asked of `id` and `dscl` (only on a real
// Mac, never for a sandbox root).
import { execFileSync } from 'node:child_process';

function ask(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

/** uid of a user name, from `id -u`. */
export function macUid(name: string): number | undefined {
  const out = ask('/usr/bin/id', ['-u', name]);
  return out && /^\d+$/.test(out) ? Number(out) : undefined;
}

/** gid of a group name, from `dscl . -read /Groups/NAME PrimaryGroupID`. */
export function macGid(name: string): number | undefined {
  const m = /PrimaryGroupID:\s*(\d+)/.exec(ask('/usr/bin/dscl', ['.', '-read', `/Groups/${name}`, 'PrimaryGroupID']) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** User name of a uid, from `id -nu`. */
export function macUserName(uid: number): string | undefined {
  return ask('/usr/bin/id', ['-nu', String(uid)]) ?? undefined;
}
