// Run the real agent (the built CLI) the way a device does: a config file,
// `converge agent --once` for one cycle, or the daemon as a child process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { CONVERGE_BIN, converge } from '../../helpers/cli.js';
import type { CliResult } from '../../helpers/cli.js';

export interface ConfigOptions {
  host: string;
  repo: string;
  dir: string;
  allowedSigners?: string;
  extra?: Record<string, unknown>;
}

export interface AgentSetup {
  config: string;
  root: string;
  stateDir: string;
}

/** Write an agent config in `dir` (state and sandbox root beside it). */
export function writeConfig(o: ConfigOptions): AgentSetup {
  const root = path.join(o.dir, `root-${o.host}`);
  const stateDir = path.join(o.dir, `state-${o.host}`);
  const config = path.join(o.dir, `${o.host}.yml`);
  const lines = [`host: ${o.host}`, `repo: ${JSON.stringify(o.repo)}`, `stateDir: ${stateDir}`, `root: ${root}`, 'poll: 1s', 'interval: 1h'];
  if (o.allowedSigners) lines.push('trust:', `  allowedSigners: ${o.allowedSigners}`);
  for (const [k, v] of Object.entries(o.extra ?? {})) lines.push(`${k}: ${JSON.stringify(v)}`);
  writeFileSync(config, lines.join('\n') + '\n');
  return { config, root, stateDir };
}

/** `converge agent --once --config FILE`. */
export function agentOnce(config: string, env: Record<string, string> = {}): CliResult {
  return converge(['agent', '--once', '--config', config, '--log-level', 'warn'], { env, timeoutMs: 120_000 });
}

/** `converge agent --once --config FILE` without blocking this process (for servers running inside the test, like git http-backend). */
export function agentOnceAsync(config: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CONVERGE_BIN, 'agent', '--once', '--config', config, '--log-level', 'warn'], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

export interface RunningAgent {
  child: ChildProcess;
  /** Everything the agent logged so far. */
  log(): string;
  /** Resolve once `check` holds (polled), or fail after `timeoutMs` with the agent's log. */
  until(what: string, check: () => boolean, timeoutMs?: number, everyMs?: number): Promise<void>;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start `converge agent --config FILE` as a daemon. */
export function startAgent(config: string, env: Record<string, string> = {}): RunningAgent {
  const child = spawn(process.execPath, [CONVERGE_BIN, 'agent', '--config', config, '--log-level', 'debug'], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave a daemon behind, whatever the test did.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    log: () => output,
    async until(what, check, timeoutMs = 30_000, everyMs = 100) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}) while waiting for ${what}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; agent log:\n${output.slice(-6000)}`);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
