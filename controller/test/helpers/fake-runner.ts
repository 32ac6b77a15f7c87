// A FAKE runner for providers of systems this machine is not (Windows, macOS):
// it records every program run and every PowerShell request, and answers them
// from handlers that return captured real output (test/fixtures/). Nothing is
// executed. Named a fake because it is one: the real runner is platform/runner.ts.
import type { CommandResult, Runner, RunningProcess, RunOptions } from '../../src/platform/runner.js';
import type { OS } from '../../src/platform/os.js';
import { ANSWER_MARK } from '../../src/platform/powershell/host-script.js';

export interface PsRequest {
  name: string;
  script: string;
  params: Record<string, unknown>;
}

export interface RunRecord {
  file: string;
  args: string[];
  input?: string;
}

/** Answers a PowerShell request: output objects, or throw to make the script fail. */
export type PsHandler = (params: Record<string, unknown>) => unknown[] | unknown;
/** Answers a program run. */
export type RunHandler = (args: string[], options: RunOptions) => Partial<CommandResult>;

export interface FakeRunner extends Runner {
  /** Every PowerShell request, in order. */
  readonly requests: PsRequest[];
  /** Every program run, in order. */
  readonly runs: RunRecord[];
  /** How many PowerShell processes were started. */
  starts: number;
  /** Replace or add handlers while a test goes on. */
  ps: Record<string, PsHandler>;
  programs: Record<string, RunHandler>;
}

/** A fake runner for `os` answering with `ps` (by script name) and `programs` (by file name). */
export function fakeRunner(os: OS, ps: Record<string, PsHandler> = {}, programs: Record<string, RunHandler> = {}): FakeRunner {
  const fake: FakeRunner = {
    os,
    requests: [],
    runs: [],
    starts: 0,
    ps,
    programs,
    async run(file, args, options = {}) {
      fake.runs.push({ file, args: [...args], ...(options.input !== undefined ? { input: options.input } : {}) });
      const handler = fake.programs[file] ?? fake.programs[file.split(/[\\/]/).pop()!];
      const result = handler ? handler([...args], options) : { exitCode: 127, stderr: `fake runner: no handler for ${file}` };
      return { command: [file, ...args].join(' '), exitCode: 0, stdout: '', stderr: '', timedOut: false, ...result };
    },
    shell(script, options) {
      return fake.run(os === 'windows' ? 'powershell.exe' : '/bin/sh', [os === 'windows' ? '-Command' : '-c', script], options);
    },
    async start(file, args) {
      fake.starts++;
      fake.runs.push({ file, args: [...args] });
      return fakeHost(fake);
    },
  };
  return fake;
}

function fakeHost(fake: FakeRunner): RunningProcess {
  const out: string[] = [answer({ id: 0, ok: true, values: [{ version: '5.1.19041.5129', edition: 'Desktop' }] })];
  let closed = false;
  return {
    command: 'powershell.exe (fake)',
    writeLine(line) {
      const request = JSON.parse(line) as { id: number } & PsRequest;
      fake.requests.push({ name: request.name, script: request.script, params: request.params });
      const handler = fake.ps[request.name];
      if (!handler) {
        out.push(answer({ id: request.id, ok: false, error: `fake PowerShell: no handler for ${request.name}` }));
        return;
      }
      try {
        const result = handler(request.params);
        out.push(answer({ id: request.id, ok: true, values: Array.isArray(result) ? result : result === undefined ? [] : [result] }));
      } catch (error) {
        out.push(answer({ id: request.id, ok: false, error: (error as Error).message }));
      }
    },
    async readLine() {
      if (out.length) return out.shift()!;
      return closed ? null : null;
    },
    stderr: () => '',
    async close() {
      closed = true;
      return 0;
    },
  };
}

function answer(value: unknown): string {
  return ANSWER_MARK + JSON.stringify(value);
}
