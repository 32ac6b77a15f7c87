// The one way converge runs a program: execa with an argument vector, never a
// shell string spliced from manifest values. `shell` is for scripts the
// operator wrote (command resources, checks): /bin/sh -c on Linux and macOS,
// Windows PowerShell on Windows.
import type { OS } from './os.js';
import { startProcess } from './running-process.js';

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
  /**
   * POSIX: run it in its own process group and, on timeout, end the whole
   * group (a script's children too, which otherwise keep its output open).
   */
  killTree?: boolean;
}

/**
 * A program kept running for a conversation over its stdin and stdout, one
 * line at a time (the Windows PowerShell host of a run).
 */
export interface RunningProcess {
  readonly command: string;
  /** Write one line (a newline is added) to its stdin. */
  writeLine(line: string): void;
  /** The next line of its stdout; null once stdout has ended. */
  readLine(): Promise<string | null>;
  /** What it wrote to stderr so far (the last 64 KiB). */
  stderr(): string;
  /** Close its stdin and wait for it to exit; kill it after `timeoutMs`. Returns the exit code. */
  close(timeoutMs?: number): Promise<number | null>;
}

/** Runs programs for providers; tests may record instead of run (a fake, named as one). */
export interface Runner {
  readonly os: OS;
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  shell(script: string, options?: RunOptions): Promise<CommandResult>;
  /** Start a long-lived program to talk to line by line. Optional: runners that cannot keep a process leave it out. */
  start?(file: string, args: readonly string[], options?: Omit<RunOptions, 'input' | 'timeoutMs'>): Promise<RunningProcess>;
}

/** The real runner, through execa. */
export function createRunner(os: OS): Runner {
  const runner: Runner = {
    os,
    async run(file, args, options = {}) {
      const { execa } = await import('execa');
      const group = Boolean(options.killTree) && process.platform !== 'win32';
      const subprocess = execa(file, [...args], {
        reject: false,
        input: options.input,
        timeout: group ? undefined : options.timeoutMs,
        env: options.env,
        cwd: options.cwd,
        stripFinalNewline: false,
        killSignal: 'SIGTERM',
        forceKillAfterDelay: 5000,
        detached: group,
      });
      let groupTimedOut = false;
      const timers: NodeJS.Timeout[] = [];
      if (group && options.timeoutMs !== undefined && subprocess.pid !== undefined) {
        const pgid = -subprocess.pid;
        const kill = (signal: NodeJS.Signals) => {
          try {
            process.kill(pgid, signal);
          } catch {
            // the group is gone already
          }
        };
        timers.push(setTimeout(() => {
          groupTimedOut = true;
          kill('SIGTERM');
          timers.push(setTimeout(() => kill('SIGKILL'), 5000));
        }, options.timeoutMs));
      }
      const result = await subprocess;
      for (const t of timers) clearTimeout(t);
      if (groupTimedOut) {
        return { command: [file, ...args].join(' '), exitCode: 124, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), timedOut: true };
      }
      return {
        command: [file, ...args].join(' '),
        exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? (result.failed && !result.exitCode ? result.message : '')),
        timedOut: Boolean(result.timedOut),
      };
    },
    start(file, args, options = {}) {
      return startProcess(file, args, options);
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
