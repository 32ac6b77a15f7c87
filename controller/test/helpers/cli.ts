// Run the real converge command (the built CLI) as a user would.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONVERGE_BIN = path.join(PROJECT_ROOT, 'controller/bin/converge.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `converge ...args`, synchronously, with colour off. */
export function converge(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CONVERGE_BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { exitCode: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}
