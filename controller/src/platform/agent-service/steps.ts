// Installing the agent as a service is a short list of steps (files to write,
// commands to run), printed by --dry-run, run for real otherwise, and under
// --root written to the sandbox with the service-manager commands shown, not run.
import { mkdir, readFile, rm, copyFile, chmod } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { OS } from '../os.js';
import type { Runner } from '../runner.js';
import { hostPaths } from '../paths.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { ConvergeError, errnoOf } from '../errors.js';

export type Step =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; content: string; mode?: number }
  | { kind: 'verified-copy'; from: string; path: string; sha256: string }
  | { kind: 'remove'; path: string }
  | { kind: 'command'; argv: string[]; why: string; okCodes?: number[]; manager: boolean; rootArgv?: (root: string) => string[] };

export interface StepOptions {
  os: OS;
  runner: Runner;
  /** Print, do nothing. */
  dryRun: boolean;
  /** Sandbox root ('/' for the real system). */
  root: string;
  say(line: string): void;
}

/** One line describing a step, as --dry-run prints it. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'dir':
      return `create directory ${step.path}`;
    case 'file':
      return `write ${step.path}${step.mode !== undefined ? ` (mode ${step.mode.toString(8).padStart(4, '0')})` : ''}`;
    case 'verified-copy':
      return `copy ${step.from} to ${step.path} after checking its SHA256 is ${step.sha256}`;
    case 'remove':
      return `remove ${step.path}`;
    case 'command':
      return `run: ${step.argv.map(quoteArg).join(' ')}  # ${step.why}`;
  }
}

/** Run the steps (or print them). Throws on the first failure, naming the step. */
export async function runSteps(steps: Step[], o: StepOptions): Promise<void> {
  const paths = hostPaths(o.os);
  const local = (p: string) => paths.toLocal(paths.normalize(p), o.root);
  const sandboxed = o.root !== '/';
  for (const step of steps) {
    if (o.dryRun) {
      o.say(`would ${describeStep(step)}`);
      if (step.kind === 'file') for (const line of step.content.trimEnd().split('\n')) o.say(`    | ${line}`);
      continue;
    }
    switch (step.kind) {
      case 'dir':
        await mkdir(local(step.path), { recursive: true, mode: step.mode ?? 0o755 });
        break;
      case 'file': {
        const target = local(step.path);
        await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
        await writeFileAtomic(target, step.content, { mode: step.mode ?? 0o644 });
        break;
      }
      case 'verified-copy': {
        const bytes = await readFile(step.from);
        const sum = createHash('sha256').update(bytes).digest('hex');
        if (sum !== step.sha256.toLowerCase()) throw new ConvergeError('rejected', `${step.from} has SHA256 ${sum}, not the pinned ${step.sha256}; refusing to install it`);
        const target = local(step.path);
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(step.from, target);
        await chmod(target, 0o755).catch(() => undefined);
        break;
      }
      case 'remove':
        try {
          await rm(local(step.path), { recursive: false });
        } catch (error) {
          if (errnoOf(error) !== 'ENOENT') throw error;
          o.say(`nothing to remove at ${step.path}`);
          continue;
        }
        break;
      case 'command': {
        let argv = step.argv;
        if (sandboxed && step.manager) {
          if (!step.rootArgv) {
            o.say(`skipped (--root: no running service manager): ${step.argv.map(quoteArg).join(' ')}`);
            continue;
          }
          argv = step.rootArgv(o.root);
        }
        const r = await o.runner.run(argv[0]!, argv.slice(1));
        if (!(step.okCodes ?? [0]).includes(r.exitCode)) {
          throw new ConvergeError('io', `${argv.map(quoteArg).join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' ')}`);
        }
        o.say(`ran: ${argv.map(quoteArg).join(' ')}`);
      }
    }
    if (step.kind !== 'command') o.say(`${describeStep(step).replace(/^write/, 'wrote').replace(/^create/, 'created').replace(/^copy/, 'copied').replace(/^remove/, 'removed')}`);
  }
}

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}
