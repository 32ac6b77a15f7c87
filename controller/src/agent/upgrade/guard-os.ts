// The upgrade's dealings with the service manager, one implementation per OS:
// write the guard, arm it, disarm it, and read and switch the links. systemd
// (Linux) is run for real in the nspawn test; launchd (macOS) and the Windows
// one (scheduled tasks, junctions) run through the same Upgrader, tested with
// a fake runner since those service managers are not on the test machine.
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OS } from '../../platform/os.js';
import type { Runner } from '../../platform/runner.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import type { Step } from '../../platform/agent-service/steps.js';
import { SERVICE_EXE } from '../../platform/agent-service/winsw.js';
import { guardScript } from './guard-sh.js';
import { LAUNCHD_MV, LAUNCHD_RESTART, launchdArm, launchdDisarm } from './guard-launchd.js';
import { SYSTEMD_RESTART, systemdArm, systemdDisarm } from './guard-systemd.js';
import { windowsArm, windowsDisarm, windowsGuardScript } from './guard-windows.js';
import { junctionTarget, linkTarget, switchJunction, switchLink } from './links.js';
import type { Pending } from './pending.js';
import type { Layout } from './release.js';

/** Starts of a new release without a confirmation before the guard switches back (guard.sh's start mode). */
export const MAX_STARTS = 3;

/** What the Upgrader needs of the OS it runs on. */
export interface GuardOS {
  readonly os: OS;
  /** The guard script's path. */
  readonly guardPath: string;
  writeGuard(p: Pending, deadlineMs: number): Promise<void>;
  /** Throws when the guard could not be armed (then nothing is switched). */
  arm(deadlineMs: number, seconds: number): Promise<void>;
  /** Never throws: there may be nothing to stop. */
  disarm(): Promise<void>;
  readLink(link: string): Promise<string | null>;
  switchLink(target: string, link: string): Promise<void>;
}

/** The guard of `os`; `root` places the files a service manager reads (launchd's plist) under a sandbox in tests. */
export function guardFor(os: OS, l: Layout, runner: Runner, root = '/'): GuardOS {
  if (os === 'windows') return windowsGuard(l, runner);
  if (os === 'macos') return launchdGuard(l, runner, root);
  return systemdGuard(l, runner);
}

async function mustRun(runner: Runner, argv: readonly string[]): Promise<void> {
  const r = await runner.run(argv[0]!, argv.slice(1));
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ').slice(0, 200)} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
}

async function mayRun(runner: Runner, argv: readonly string[]): Promise<void> {
  await runner.run(argv[0]!, argv.slice(1)).catch(() => undefined);
}

function shGuard(l: Layout, p: Pending, deadlineMs: number, restart: string[], mvNoFollow: string): string {
  return guardScript({ prefix: l.prefix, from: p.from, to: p.to, fromRuntime: p.fromRuntime, toRuntime: p.toRuntime, commit: p.commit, deadline: deadlineMs / 1000, maxStarts: MAX_STARTS, restart, mvNoFollow });
}

function systemdGuard(l: Layout, runner: Runner): GuardOS {
  return {
    os: 'linux',
    guardPath: l.guard,
    async writeGuard(p, deadlineMs) {
      const tmp = `${l.guard}.new`;
      await writeFile(tmp, shGuard(l, p, deadlineMs, SYSTEMD_RESTART, 'mv -T'), { mode: 0o755 });
      await chmod(tmp, 0o755);
      await rename(tmp, l.guard); // what `mv -f` did: rename(2) within the folder
    },
    async arm(_deadlineMs, seconds) {
      const commands = systemdArm(l, seconds);
      for (const [i, argv] of commands.entries()) {
        // the earlier guard's stop may fail; the timer itself must be there
        if (i === commands.length - 1) await mustRun(runner, argv);
        else await mayRun(runner, argv);
      }
    },
    async disarm() {
      for (const argv of systemdDisarm()) await mayRun(runner, argv);
    },
    readLink: linkTarget,
    switchLink,
  };
}

function launchdGuard(l: Layout, runner: Runner, root: string): GuardOS {
  const local = (p: string) => path.join(root, p);
  const runStep = async (step: Step, must: boolean): Promise<void> => {
    if (step.kind === 'file') {
      await mkdir(path.dirname(local(step.path)), { recursive: true });
      await writeFileAtomic(local(step.path), step.content, { mode: step.mode ?? 0o644 });
    } else if (step.kind === 'remove') await rm(local(step.path), { force: true });
    else if (step.kind === 'command') {
      const r = await runner.run(step.argv[0]!, step.argv.slice(1)).catch((error: unknown) => ({ exitCode: -1, stderr: String(error), stdout: '' }));
      if (must && !(step.okCodes ?? [0]).includes(r.exitCode)) throw new Error(`${step.argv.join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
    }
  };
  return {
    os: 'macos',
    guardPath: l.guard,
    async writeGuard(p, deadlineMs) {
      const tmp = `${l.guard}.new`;
      await writeFile(tmp, shGuard(l, p, deadlineMs, LAUNCHD_RESTART, LAUNCHD_MV), { mode: 0o755 });
      await chmod(tmp, 0o755);
      await rename(tmp, l.guard);
    },
    async arm(deadlineMs) {
      const disarm = launchdDisarm().length;
      for (const [i, step] of launchdArm(l, new Date(deadlineMs)).entries()) await runStep(step, i >= disarm);
    },
    async disarm() {
      for (const step of launchdDisarm()) await runStep(step, false).catch(() => undefined);
    },
    // rename(2) replaces the link itself, never what it points at (what `mv -h` does in guard.sh)
    readLink: linkTarget,
    switchLink,
  };
}

function windowsGuard(l: Layout, runner: Runner): GuardOS {
  const guardPath = l.guard.replace(/\.sh$/, '.ps1');
  return {
    os: 'windows',
    guardPath,
    async writeGuard(p, deadlineMs) {
      const text = windowsGuardScript({ prefix: l.prefix, from: p.from, to: p.to, fromRuntime: p.fromRuntime, toRuntime: p.toRuntime, commit: p.commit, deadline: new Date(deadlineMs), serviceExe: SERVICE_EXE.replace(/\//g, '\\') });
      await writeFileAtomic(guardPath, text.replace(/\n/g, '\r\n'), { mode: 0o644 });
    },
    async arm(deadlineMs) {
      // both tasks must be there: the one at the deadline, and the one at boot that outlives a reboot
      for (const argv of windowsArm(l, new Date(deadlineMs))) await mustRun(runner, argv);
    },
    async disarm() {
      for (const argv of windowsDisarm()) await mayRun(runner, argv);
    },
    readLink: (link) => junctionTarget(l.prefix, link),
    switchLink: (target, link) => switchJunction(l.prefix, target, link),
  };
}
