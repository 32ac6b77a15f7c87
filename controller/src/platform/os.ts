// The operating systems a host can run, and the one this process runs on.
import process from 'node:process';

export const OSES = ['linux', 'macos', 'windows'] as const;
export type OS = (typeof OSES)[number];

/** The OS this process runs on, in manifest terms. */
export function currentOS(): OS {
  if (process.platform === 'win32') return 'windows';
  if (process.platform === 'darwin') return 'macos';
  return 'linux';
}

/** The CPU architecture in the names operators use (uname -m style). */
export function currentArch(): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l' };
  return map[process.arch] ?? process.arch;
}
