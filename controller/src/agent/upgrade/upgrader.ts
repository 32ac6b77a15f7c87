// The agent's side of upgrading itself (systemd, launchd, Windows: guard-os.ts). The old agent builds
// the new release beside its own, writes upgrade/pending, arms the guard,
// switches the links and exits for its service to start the new one. The new
// agent applies the commit as usual and then confirms: pending removed, guard
// disarmed, old releases pruned. At start, any agent reconciles a pending
// upgrade and reports a switch back the guard made.
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { Logger } from '../../platform/logger.js';
import { installRoot } from '../../platform/install-root.js';
import { messageOf } from '../../platform/errors.js';
import { gitEnvironment, remoteAccess } from '../../source/git.js';
import { agentId } from './agent-id.js';
import { exec } from './exec.js';
import type { GuardOS } from './guard-os.js';
import { guardFor } from './guard-os.js';
import type { Pending } from './pending.js';
import { clearPending, clearRolledBack, readPending, readRolledBack, writePending } from './pending.js';
import { pruneReleases } from './prune.js';
import { reconcile } from './reconcile.js';
import type { Layout, ReleaseInfo } from './release.js';
import { layout, readRelease } from './release.js';
import { buildRelease } from './release-build.js';
import { ensureNpm, ensureRuntime, runtimePinsAt } from './runtime-install.js';
import type { OS } from '../../platform/os.js';
import { currentOS } from '../../platform/os.js';
import type { Runner } from '../../platform/runner.js';
import { createRunner } from '../../platform/runner.js';

/** The exit code of an agent that switched to a new release: any code makes its service start it again (systemd Restart=always, launchd KeepAlive, WinSW onfailure restart). */
export const RESTART_EXIT_CODE = 75;

export interface UpgradeSettings {
  enabled: boolean;
  deadlineMs: number;
  /** The fleet repository (its credentials let git fetch the blobs of the partial clone). */
  repo: string;
}

/** What the agent does at start. */
export interface StartOutcome {
  /** The guard switched back from an upgrade to this commit: refuse it and report it. */
  rolledBack?: { commit: string; why: string };
}

export class Upgrader {
  /** The commit whose upgrade this (new) agent confirms once applied. */
  private confirming: string | null = null;

  private constructor(
    private readonly release: ReleaseInfo,
    private readonly l: Layout,
    private readonly gitDir: string,
    private readonly settings: UpgradeSettings,
    private readonly log: Logger,
    private readonly guard: GuardOS,
  ) {}

  /**
   * The upgrader of the running release; null (said once in the log) when this agent does not upgrade itself.
   * `os` and `runner` are seams for the tests (a fake runner stands for launchctl and schtasks); `root` sandboxes launchd's plist.
   */
  static open(settings: UpgradeSettings, gitDir: string, log: Logger, dir: string = installRoot(), os: OS = currentOS(), runner: Runner = createRunner(os), root = '/'): Upgrader | null {
    const ulog = log.child({ component: 'upgrade' });
    if (!settings.enabled) {
      ulog.info({}, 'self-upgrade is off (selfUpgrade: false in the config): commits that change the agent are applied by this agent');
      return null;
    }
    let release: ReleaseInfo | null;
    try {
      release = readRelease(dir);
    } catch (error) {
      ulog.warn({ err: messageOf(error), dir }, 'self-upgrade is off: release.json is not readable');
      return null;
    }
    if (!release) {
      ulog.info({ dir }, 'self-upgrade is off: no release.json beside the agent (not installed by a bootstrap script)');
      return null;
    }
    const l = layout(release.prefix);
    return new Upgrader(release, l, gitDir, settings, ulog, guardFor(os, l, runner, root));
  }

  private get running(): string {
    return `releases/${this.release.id}`;
  }

  /** Reconcile an upgrade left pending, and take the outcome of a switch back. */
  async start(applied: string | null): Promise<StartOutcome> {
    const outcome: StartOutcome = {};
    const back = await readRolledBack(this.l);
    if (back) outcome.rolledBack = back;
    const pending = await readPending(this.l);
    const r = reconcile(pending, await this.guard.readLink(this.l.agentLink), this.running, applied);
    if (r.kind === 'retry') {
      this.log.warn({ commit: r.pending.commit, to: r.pending.to }, 'an upgrade did not switch (the agent stopped before it): trying it again');
      await this.guard.disarm();
      await clearPending(this.l);
    } else if (r.kind === 'confirm-after-apply') {
      this.log.info({ commit: r.pending.commit, from: r.pending.from, deadline: r.pending.deadline }, 'running the new release: confirming once the commit is applied');
      this.confirming = r.pending.commit;
    } else if (r.kind === 'confirm-now') {
      this.confirming = r.pending.commit;
      await this.confirm(r.pending.commit);
    } else if (r.kind === 'leave') {
      this.log.warn({ pending: r.pending, running: this.running }, 'an upgrade is pending for another release: the guard decides');
    }
    return outcome;
  }

  /** The switch back is reported: forget it. */
  async reported(): Promise<void> {
    await clearRolledBack(this.l);
  }

  /** True when `commit` builds a different agent than the running one. */
  async changesAgent(commit: string): Promise<boolean> {
    return (await agentId(this.gitDir, commit)) !== this.release.id;
  }

  /** Build the release of `commit`, arm the guard and switch to it; the caller then exits for the service to restart it. */
  async upgrade(commit: string): Promise<void> {
    const id = await agentId(this.gitDir, commit);
    const from = this.running;
    const fromRuntime = (await this.guard.readLink(this.l.runtimeLink)) ?? this.release.runtime ?? 'runtime-external';
    this.log.info({ commit, from, to: `releases/${id}` }, 'the commit changes the agent: building the new release');
    const pins = await runtimePinsAt(this.gitDir, commit);
    const runtime = await ensureRuntime(this.l, fromRuntime, this.release.runtimePin, pins);
    const node = runtime.target === fromRuntime ? process.execPath : (this.guard.os === 'windows' ? path.join(this.l.prefix, runtime.target, 'bin', 'node.exe') : path.join(this.l.prefix, runtime.target, 'bin', 'node'));
    const gitEnv = { ...process.env, ...gitEnvironment(remoteAccess(this.settings.repo).env) };
    const built = await buildRelease({ layout: this.l, gitDir: this.gitDir, gitEnv, commit, id, node, npm: () => findNpm(node, () => ensureNpm(this.l, pins)), runtime: runtime.target, runtimePin: runtime.pin, at: (p) => testHold(this.l, p) });
    const to = `releases/${built.id}`;
    const version = await exec(node, [path.join(this.l.releases, built.id, 'controller/bin/converge.js'), '--version'], { timeoutMs: 60_000 });
    const deadline = Date.now() + this.settings.deadlineMs;
    const pending: Pending = { commit, from, to, fromRuntime, toRuntime: runtime.target, deadline: new Date(deadline).toISOString(), startedAt: new Date().toISOString() };
    await mkdir(this.l.upgrade, { recursive: true });
    await this.guard.writeGuard(pending, deadline);
    await writePending(this.l, pending);
    try {
      await this.guard.arm(deadline, this.settings.deadlineMs / 1000);
    } catch (error) {
      // Without a guard there is no switch: nothing changed.
      await clearPending(this.l);
      throw error;
    }
    await testHold(this.l, 'pending');
    if (runtime.target !== fromRuntime) await this.guard.switchLink(runtime.target, this.l.runtimeLink);
    await this.guard.switchLink(to, this.l.agentLink);
    this.log.info({ commit, from, to, version: version.trim(), runtime: runtime.target, deadline: pending.deadline }, 'switched to the new release: restarting on it (switched back unless it reports the commit applied by the deadline)');
    await testHold(this.l, 'switched');
  }

  /** The commit this release was switched to for and must confirm (null when no upgrade is pending). */
  confirmingCommit(): string | null {
    return this.confirming;
  }

  /** After the new agent recorded its report of `commit`: the upgrade is done. */
  async applied(commit: string): Promise<void> {
    if (this.confirming === commit) await this.confirm(commit);
  }

  private async confirm(commit: string): Promise<void> {
    await clearPending(this.l);
    await this.guard.disarm();
    this.confirming = null;
    const removed = await pruneReleases(this.l, this.release.id).catch((error: unknown) => {
      this.log.warn({ err: messageOf(error) }, 'could not prune old releases');
      return [];
    });
    this.log.info({ commit, release: this.running, pruned: removed }, 'upgrade confirmed');
  }
}

/** npm beside the runtime's node, else the npm the commit pins (installed when missing), else one on PATH. */
async function findNpm(node: string, pinned: () => Promise<string | null>): Promise<string | null> {
  const beside = path.join(path.dirname(node), 'npm');
  if (await access(beside).then(() => true, () => false)) return beside;
  // offline, say: the pin is needed only when the lockfile changed, so a failed download is not fatal here
  const cli = await pinned().catch(() => null);
  if (cli) return cli;
  const found = await exec('sh', ['-c', 'command -v npm']).catch(() => '');
  return found.trim() || null;
}

/**
 * Test hook (the kill -9 tests of the upgrade, never set by an install): with
 * CONVERGE_TEST_UPGRADE_HOLD=<point>, the agent writes upgrade/held-<point> and
 * waits there for the test to kill it.
 */
async function testHold(l: Layout, point: string): Promise<void> {
  if (process.env.CONVERGE_TEST_UPGRADE_HOLD !== point) return;
  await mkdir(l.upgrade, { recursive: true });
  await writeFile(path.join(l.upgrade, `held-${point}`), `${process.pid}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
