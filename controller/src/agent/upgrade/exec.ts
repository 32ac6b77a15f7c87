// Run a program for the upgrade; a failure says what ran and what it printed.
import { execFile } from 'node:child_process';

/** Run `file args`; resolves with stdout, rejects with the exit code and the end of stderr. */
export function exec(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 30 * 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const tail = `${stderr}`.trim().split('\n').slice(-5).join(' | ');
        reject(new Error(`${[file, ...args].join(' ').slice(0, 200)} failed (${error.code ?? error.signal ?? 'error'})${tail ? `: ${tail}` : ''}`, { cause: error }));
      } else resolve(stdout);
    });
  });
}
