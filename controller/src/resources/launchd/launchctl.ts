// Talking to launchd: `launchctl print` read leniently (its format is for
// people and changes between macOS versions), bootstrap/bootout/kickstart run
// with argument vectors through the runner.
import type { Context } from '../types.js';
import { ConvergeError } from '../../platform/errors.js';

/** The top-level fields of `launchctl print <domain>/<label>` that converge uses. */
export interface PrintedJob {
  state?: string;
  pid?: number;
  path?: string;
  lastExitCode?: string;
  runs?: number;
}

/** Parse `launchctl print` output: only the job's own (one-tab) fields, not nested blocks. */
export function parseLaunchctlPrint(text: string): PrintedJob {
  const job: PrintedJob = {};
  for (const line of text.split('\n')) {
    const m = /^\t([a-z][a-z ()]*?) = (.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'state') job.state = value.trim();
    else if (key === 'pid') job.pid = Number(value);
    else if (key === 'path') job.path = value.trim();
    else if (key === 'last exit code') job.lastExitCode = value.trim();
    else if (key === 'runs') job.runs = Number(value);
  }
  return job;
}

/** launchctl print's exit code when the service is not loaded in the domain. */
export const NOT_FOUND = 113;

/** The job as launchd has it: null when not loaded; 'no-domain' when the domain is absent (user not logged in). */
export async function printJob(ctx: Context, target: string): Promise<PrintedJob | null | 'no-domain'> {
  const r = await ctx.runner.run('launchctl', ['print', target]);
  if (r.exitCode === 0) return parseLaunchctlPrint(r.stdout);
  const text = r.stdout + r.stderr;
  if (/Could not find service/i.test(text)) return null;
  // A gui/<uid> domain exists only while that user is logged in.
  if (/Could not find domain|Domain does not support specified action/i.test(text)) return 'no-domain';
  if (r.exitCode === NOT_FOUND) return null;
  throw new ConvergeError('io', `launchctl print ${target} failed (${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
}

/** Run launchctl; throw with its words on failure. */
export async function launchctl(ctx: Context, args: string[], okCodes: number[] = [0]): Promise<void> {
  const r = await ctx.runner.run('launchctl', args);
  if (!okCodes.includes(r.exitCode)) throw new ConvergeError('io', `launchctl ${args.join(' ')} failed (${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
}

/** Boot a job out and wait (up to 5 s) until launchd has let go of it, so a bootstrap right after works. */
export async function bootout(ctx: Context, target: string): Promise<void> {
  // 3 (no such process), 5 and 113: it was not loaded.
  await launchctl(ctx, ['bootout', target], [0, 3, 5, 36, NOT_FOUND]);
  for (let i = 0; i < 25; i++) {
    if ((await printJob(ctx, target)) === null) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
