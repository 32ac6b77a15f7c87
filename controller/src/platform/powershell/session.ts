// The one Windows PowerShell process of a run: started once, sent one request
// per line, closed at the end of the run. Requests run one at a time.
import type { Logger } from '../logger.js';
import type { Runner, RunningProcess } from '../runner.js';
import { ConvergeError } from '../errors.js';
import { ANSWER_MARK, powershellArgs } from './host-script.js';

/** A script a provider sends: a fixed text with a param() block, and a name for logs and plans. */
export interface PsScript {
  name: string;
  script: string;
}

interface Answer {
  id: number | null;
  ok: boolean;
  values?: unknown[];
  error?: string;
  line?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** Talks to one running Windows PowerShell host. */
export class PowerShellSession {
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private dead: string | null = null;

  private constructor(
    private readonly process: RunningProcess,
    private readonly log: Logger,
    /** `$PSVersionTable.PSVersion` of the host. */
    readonly version: string,
  ) {}

  /** Start powershell.exe with the host loop and wait for its hello. */
  static async start(runner: Runner, log: Logger, program = 'powershell.exe'): Promise<PowerShellSession> {
    if (!runner.start) throw new ConvergeError('unsupported', 'this runner cannot keep a PowerShell process running');
    const proc = await runner.start(program, powershellArgs());
    const hello = await readAnswer(proc, log, 60_000);
    if (!hello?.ok) {
      await proc.close(2000).catch(() => undefined);
      throw new ConvergeError('io', `Windows PowerShell did not start: ${proc.stderr().trim() || hello?.error || 'no answer'}`);
    }
    const info = (hello.values?.[0] ?? {}) as { version?: string };
    log.debug({ version: info.version }, 'powershell host started');
    return new PowerShellSession(proc, log, String(info.version ?? 'unknown'));
  }

  /** Run `op` with `params` (passed as parameters, never spliced); its output objects. */
  invoke(op: PsScript, params: Record<string, unknown> = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown[]> {
    const run = this.queue.then(() => this.send(op, params, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The first output object of `op`, or null when it wrote none. */
  async one<T>(op: PsScript, params: Record<string, unknown> = {}): Promise<T | null> {
    const values = await this.invoke(op, params);
    return (values[0] ?? null) as T | null;
  }

  /** End the host (stdin closed: its loop ends). */
  async close(): Promise<void> {
    await this.queue;
    await this.process.close(5000);
  }

  private async send(op: PsScript, params: Record<string, unknown>, timeoutMs: number): Promise<unknown[]> {
    if (this.dead) throw new ConvergeError('io', `the PowerShell host is gone (${this.dead}); ${op.name} not run`);
    const id = this.nextId++;
    this.process.writeLine(asciiJson({ id, name: op.name, script: op.script, params }));
    const answer = await readAnswer(this.process, this.log, timeoutMs);
    if (!answer) {
      // stdout ended: wait for the exit, so all of stderr is in.
      await this.process.close(2000).catch(() => undefined);
      this.dead = this.process.stderr().trim().split('\n').slice(-3).join(' ') || 'it exited';
      throw new ConvergeError('io', `Windows PowerShell ended while running ${op.name}: ${this.dead}`);
    }
    if (answer.id !== id) throw new ConvergeError('internal', `PowerShell answered request ${answer.id} while ${id} (${op.name}) was expected`);
    if (!answer.ok) throw new ConvergeError('io', `${op.name} failed: ${answer.error ?? 'unknown error'}${answer.line ? ` (line ${answer.line})` : ''}`);
    return Array.isArray(answer.values) ? answer.values : [];
  }
}

/** JSON with every non-ASCII character escaped, so no console code page can garble it. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function readAnswer(proc: RunningProcess, log: Logger, timeoutMs: number): Promise<Answer | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const line = await Promise.race([proc.readLine(), timeout]);
      if (line === 'timeout') {
        await proc.close(1000).catch(() => undefined);
        throw new ConvergeError('transient', `Windows PowerShell gave no answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      if (line === null) return null;
      if (!line.startsWith(ANSWER_MARK)) {
        // Write-Host and stray output land here; they are not answers.
        if (line.trim()) log.debug({ line: line.slice(0, 500) }, 'powershell output outside an answer');
        continue;
      }
      try {
        return JSON.parse(line.slice(ANSWER_MARK.length)) as Answer;
      } catch (error) {
        throw new ConvergeError('internal', `unreadable answer from PowerShell: ${line.slice(0, 200)}`, { cause: error });
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
