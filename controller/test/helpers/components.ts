// Real components (sshd, podman, systemd-nspawn…) a test needs. Where one is
// missing the test is skipped locally, but when CI=true it fails: CI must
// install what the tests need.
import { describe } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** True when `command` runs (exit 0) — a cheap probe for a tool. */
export function runs(command: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

/** True when a file exists. */
export function present(file: string): boolean {
  return existsSync(file);
}

/**
 * `describe` for tests that need a component: skipped locally when it is
 * missing; in CI it runs, and `requireComponent` in its beforeAll fails it.
 */
export function describeWith(available: boolean): typeof describe.skip {
  return available || IN_CI ? describe : describe.skip;
}

/** Throw when a needed component is missing (call in beforeAll of a describeWith block). */
export function requireComponent(available: boolean, name: string, hint: string): void {
  if (!available) throw new Error(`${name} is needed by these tests and is missing: ${hint}`);
}
