// A long-lived child process spoken to line by line over stdin and stdout
// (the Windows PowerShell host keeps one per run). Started through execa,
// like every program converge runs.
import { createInterface } from 'node:readline';
import type { RunOptions, RunningProcess } from './runner.js';

const STDERR_KEEP = 64 * 1024;

/** Start `file` with `args` and return a handle to talk to it. */
export async function startProcess(file: string, args: readonly string[], options: Omit<RunOptions, 'input' | 'timeoutMs'> = {}): Promise<RunningProcess> {
  const { execa } = await import('execa');
  const child = execa(file, [...args], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    env: options.env,
    cwd: options.cwd,
    killSignal: 'SIGTERM',
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const lines: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let ended = false;
  const reader = createInterface({ input: child.stdout!, crlfDelay: Infinity });
  reader.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  reader.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  });
  // A failed start (ENOENT) ends stdout too; the error is kept for stderr().
  const exited = child.then((r) => {
    if (r.failed && r.exitCode === undefined && r.message) stderr = (stderr + r.message).slice(-STDERR_KEEP);
    return r.exitCode ?? null;
  });
  child.stdin?.on('error', () => undefined); // a dead child must not crash us on write
  return {
    command: [file, ...args].join(' '),
    writeLine(line) {
      if (!child.stdin || child.stdin.destroyed) throw new Error(`${file} is not running`);
      child.stdin.write(line + '\n');
    },
    readLine() {
      if (lines.length) return Promise.resolve(lines.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
    stderr: () => stderr,
    async close(timeoutMs = 10_000) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
