// The one way converge runs a program: execa with an argument vector, never a
// shell string spliced from manifest values. `shell` is for scripts the
// operator wrote (command resources, checks): /bin/sh -c on Linux and macOS,
// Windows PowerShell on Windows.
import type { OS } from './os.js';

/** What a finished command left behind. */
export interface CommandResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Runs programs for providers; tests may record instead of run (a fake, named as one). */
export interface Runner {
  readonly os: OS;
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  shell(script: string, options?: RunOptions): Promise<CommandResult>;
}

/** The real runner, through execa. */
export function createRunner(os: OS): Runner {
  const runner: Runner = {
    os,
    async run(file, args, options = {}) {
      const { execa } = await import('execa');
      const result = await execa(file, [...args], {
        reject: false,
        input: options.input,
        timeout: options.timeoutMs,
        env: options.env,
        cwd: options.cwd,
        stripFinalNewline: false,
        killSignal: 'SIGTERM',
        forceKillAfterDelay: 5000,
      });
      return {
        command: [file, ...args].join(' '),
        exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? (result.failed && !result.exitCode ? result.message : '')),
        timedOut: Boolean(result.timedOut),
      };
    },
    shell(script, options) {
      if (os === 'windows') {
        return runner.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], options);
      }
      return runner.run('/bin/sh', ['-c', script], options);
    },
  };
  return runner;
}
