// The agent loop: poll the branch, judge a new head (trust, rewind,
// validation), converge it; converge the commit in force on a schedule and
// when a managed file changes by hand; report to the status branch. One task
// at a time, so runs never overlap. Network and git failures back off and are
// retried; the loop never ends on them. stop() (SIGTERM) lets the resource in
// hand finish, records the report and returns.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { ResolvedConfig } from './resolved-config.js';
import { durationToMs } from '../platform/duration-ms.js';
import type { AgentState } from './state.js';
import { loadState, refusalOf, refuse, refuseCrashedLoad, saveState } from './state.js';
import type { RunEvents, RunReason } from './events.js';
import { emit } from './events.js';
import { createRunListeners } from './listeners.js';
import { SourceStep } from './source-step.js';
import type { Evaluation } from './source-step.js';
import { Reporter } from './reporter.js';
import type { FlushResult, RunRecord } from './reporter.js';
import { DriftWatch } from './drift-watch.js';
import { watchTargets, writtenBy } from './watch-targets.js';
import { backoff, repeat } from './schedule.js';
import { releaseMemory } from './memory.js';
import { RolloutGate } from './rollout-gate.js';
import { windowGate } from './window-gate.js';
import { windowState } from './window.js';
import { prePullImages } from './pre-pull.js';
import type { WaitingCommit } from './state.js';
import { createRunner } from '../platform/runner.js';
import { RESTART_EXIT_CODE, Upgrader } from './upgrade/upgrader.js';
import type { RolloutNote } from '../report/report.js';
import type { Repeater } from './schedule.js';
import { runHost } from '../engine/run-host.js';
import { affectedBy } from '../engine/scope.js';
import type { RunScope } from '../engine/scope.js';
import { closeSshConnections, safeUrl, shareSshConnections, urlSecrets } from '../source/git.js';
import type { RunMode } from '../engine/converge.js';
import { createBaseContext } from '../engine/context.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { formatDiagnostic } from '../manifest/diagnostics.js';
import type { Report } from '../report/report.js';
import { emptySummary } from '../report/report.js';
import { createSecretSource } from '../secrets/backend.js';
import type { SecretSource } from '../secrets/source.js';
import { acquireLock } from '../platform/lock.js';
import type { Lock } from '../platform/lock.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { ConvergeError, messageOf } from '../platform/errors.js';
import { AGENT_VERSION } from '../platform/version.js';

type Task = 'poll' | 'drift' | 'interval';
/** Most urgent first: a new commit beats drift beats the schedule. (Pushes run beside these.) */
const PRIORITY: Task[] = ['poll', 'drift', 'interval'];
/** How long a run waits for a `converge apply` that holds the lock. */
const RUN_LOCK_WAIT_MS = 30 * 60_000;
/** Quiet polls between two full garbage collections. */
const IDLE_POLLS_PER_GC = 60;
/** How long stop() lets the last push try before leaving the reports queued. */
const FINAL_PUSH_MS = 10_000;

export interface AgentOptions {
  config: ResolvedConfig;
  log: Logger;
  scrubber: Scrubber;
  /** Told each event as it is queued, and the outcome of pushes (the --once output). */
  onEvent?(line: string): void;
  /** The clock maintenance windows are read on (default the system's; tests inject one). */
  now?: () => Date;
}

export class Agent {
  private readonly log: Logger;
  private readonly stopController = new AbortController();
  private readonly pending = new Set<Task>();
  private wake: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private pollFailures = 0;
  private idlePolls = 0;
  private flushFailures = 0;
  private flushNotBefore = 0;
  /** The push in progress, if any: pushes run beside runs, so a crowded status branch never delays a converge. */
  private pushing: Promise<void> | null = null;
  private pushAgain = false;
  /** A push waiting for the drift window to pass (drift reports held to go together). */
  private heldPush: NodeJS.Timeout | null = null;
  private serving = false;
  private readonly pushStop = new AbortController();
  private started = false;
  private watch: DriftWatch | null = null;
  private lastHead: string | null = null;
  private lastRefusalLogged: string | null = null;
  private readonly gate: RolloutGate;
  /** Listener failures (a GitHub commit status not set) since the last report: they go into its status.json. */
  private listenerProblems: string[] = [];
  /** Resources the drift watch saw changed by hand, not yet converged. */
  private readonly drifted = new Set<string>();
  /** The last run's whole-host report: a drift heal converges only what drifted and carries the rest over from it. */
  private lastRun: { commit: string; report: Report } | null = null;
  /** The managed paths of the host last converged (computed once per load). */
  private targets: { loaded: LoadedHost; targets: Map<string, string> } | null = null;
  /** Set once the agent switched to a new release of itself: the exit code that has its service start that one. */
  private restartCode: number | null = null;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly state: AgentState,
    private readonly source: SourceStep,
    private readonly reporter: Reporter,
    private readonly secrets: SecretSource,
    private readonly scrubber: Scrubber,
    private readonly listeners: { listeners: RunEvents[]; close(): Promise<void> },
    private readonly agentLock: Lock,
    private readonly rootLog: Logger,
    private readonly onEvent: (line: string) => void,
    private readonly upgrader: Upgrader | null,
    private readonly now: () => Date,
  ) {
    this.log = rootLog.child({ component: 'agent', host: config.host });
    this.gate = RolloutGate.forAgent(config, source.cloneDir, rootLog);
  }

  /** Take the agent lock (one agent per state directory) and open the clone, the queue and the listeners. */
  static async open({ config, log, scrubber, onEvent, now }: AgentOptions): Promise<Agent> {
    const agentLock = await acquireLock(path.join(config.stateDir, 'agent'), { command: `converge agent ${config.host}`, waitMs: 0 });
    try {
      shareSshConnections(path.join(config.stateDir, 'agent'));
      // A token written in a repository URL is a secret: masked in every log line and report from here on.
      for (const url of [config.repo, config.statusRepo ?? '']) for (const secret of urlSecrets(url)) scrubber.add(secret);
      if (config.trust.allowUnsigned) {
        log.warn({ component: 'agent', host: config.host }, 'trust.allowUnsigned is on: unsigned commits are applied. Only for a lab.');
      }
      // A sandbox root is the operator's choice of where everything goes: make sure it is there.
      if (path.resolve(config.root) !== path.parse(path.resolve(config.root)).root) await mkdir(config.root, { recursive: true });
      const state = await loadState(config.stateDir, config.host);
      const crashed = refuseCrashedLoad(state);
      if (crashed) {
        log.warn({ component: 'agent', host: config.host, commit: crashed }, 'the last start died loading this commit (a template past its limits?); refused, the last good state stays in force');
        await saveState(config.stateDir, state);
      }
      const source = await SourceStep.open(config, log);
      const secrets = await createSecretSource(config.secrets, log, scrubber);
      const listeners = await createRunListeners(config, log, scrubber);
      const reporter = await Reporter.open(config, log, scrubber, listeners.listeners);
      const upgrader = Upgrader.open({ enabled: config.selfUpgrade, deadlineMs: durationToMs(config.upgradeDeadline), repo: config.repo }, source.cloneDir, log);
      return new Agent(config, state, source, reporter, secrets, scrubber, listeners, agentLock, log, onEvent ?? (() => undefined), upgrader, now ?? (() => new Date()));
    } catch (error) {
      await agentLock.release();
      throw error;
    }
  }

  /** Ask the agent to stop: the resource in hand finishes, its report is queued, the loop returns. */
  stop(): void {
    if (this.stopController.signal.aborted) return;
    this.log.info({}, 'stopping');
    this.stopController.abort();
    // --once pushes at the end of its cycle: that push gets FINAL_PUSH_MS from now, as the daemon's last push does.
    if (!this.serving) setTimeout(() => this.pushStop.abort(), FINAL_PUSH_MS).unref();
    this.wake?.();
  }

  /**
   * One full cycle (pull, verify, converge, report, push) for cron and tests.
   * Exit code 1 when a run failed, a commit was refused or rolled back, or nothing could be done.
   */
  async once(): Promise<number> {
    try {
      await this.upgradeStart();
      this.tellPush(await this.reporter.flush(this.pushStop.signal));
      const results: Report[] = [];
      let head: string | null = null;
      let pollError: string | null = null;
      try {
        head = await this.pollHead();
      } catch (error) {
        pollError = messageOf(error);
      }
      let appliedNew = false;
      if (head && head !== this.state.applied) {
        const outcome = await this.handleHead(head, 'once');
        if (outcome) results.push(outcome.report);
        appliedNew = outcome?.appliedNew ?? false;
      }
      if (!appliedNew && !this.stopping) {
        const report = await this.enforce('once');
        if (report) results.push(report);
        else if (pollError || !head || !this.state.applied) {
          // No commit in force and none that could be applied: the machine was not converged, whatever the reason.
          const refused = head ? refusalOf(this.state, head) : undefined;
          const why = pollError ?? (!head ? `branch ${this.config.branch} not found` : `no commit applied yet, and ${head.slice(0, 7)} was refused (${refused?.reason ?? 'see the status branch'}); a newer commit is needed`);
          this.log.error({ err: why }, 'nothing to converge');
          return 1;
        }
      }
      this.tellPush(await this.reporter.flush(this.pushStop.signal));
      if (this.restartCode !== null) return this.restartCode;
      return results.some((r) => r.result === 'failed' || r.result === 'rejected' || r.result === 'rolledBack') ? 1 : 0;
    } finally {
      await this.close();
    }
  }

  private tellPush(result: FlushResult): void {
    const n = (k: number) => `${k} report${k === 1 ? '' : 's'}`;
    if (result.pushed > 0) this.onEvent(`status: pushed ${n(result.pushed)} to ${this.config.status ? `the status store (${this.config.status.container})` : this.config.statusBranch}`);
    if (!result.ok) this.onEvent(`status: ${n(result.queued)} queued, not pushed: ${result.error}`);
  }

  /** Run until stop(): poll, schedule, watch, report. */
  async serve(): Promise<void> {
    let interval: Repeater | null = null;
    try {
      this.log.info({ version: AGENT_VERSION, repo: safeUrl(this.config.repo), branch: this.config.branch, poll: this.config.poll, interval: this.config.interval, mode: this.config.mode, selfHeal: this.config.selfHeal }, 'agent started');
      this.serving = true;
      await this.upgradeStart();
      this.watch = new DriftWatch(this.log.child({ component: 'watch' }), (ids) => {
        for (const id of ids) this.drifted.add(id);
        this.request('drift');
      });
      interval = await repeat(durationToMs(this.config.interval), this.config.host, this.log, () => this.request('interval'));
      this.requestPush();
      this.request('poll');
      while (!this.stopping) {
        const task = PRIORITY.find((t) => this.pending.has(t));
        if (!task) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        this.pending.delete(task);
        await this.handle(task);
      }
    } finally {
      await interval?.stop();
      if (this.pollTimer) clearTimeout(this.pollTimer);
      await this.watch?.close();
      await this.finalPush();
      await this.close();
      this.log.info({}, 'agent stopped');
    }
  }

  /** The process exit code once serve() returned: non-zero when the agent switched to a new release of itself. */
  get exitCode(): number {
    return this.restartCode ?? 0;
  }

  /** At start: reconcile an upgrade left pending, and report a switch back the upgrade guard made (the commit refused). */
  private async upgradeStart(): Promise<void> {
    if (!this.upgrader) return;
    try {
      const { rolledBack } = await this.upgrader.start(this.state.applied);
      if (!rolledBack) return;
      this.log.warn({ commit: rolledBack.commit, why: rolledBack.why }, 'the upgrade guard switched back to this release: the commit is refused');
      refuse(this.state, rolledBack.commit, 'rolled back (agent upgrade)');
      const report = this.outcomeReport(rolledBack.commit, 'rolledBack', [`agent upgrade: ${rolledBack.why}`]);
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason: 'startup', newCommit: true, refusal: true });
      await this.upgrader.reported();
    } catch (error) {
      this.log.error({ err: messageOf(error) }, 'upgrade state could not be reconciled');
    }
  }

  /** A commit that changes the agent: the new release is installed and the agent restarts on it, which applies the commit. */
  private async selfUpgrade(upgrader: Upgrader, commit: string, reason: RunReason, signer: string | null): Promise<{ report: Report; appliedNew: boolean } | null> {
    try {
      await upgrader.upgrade(commit);
    } catch (error) {
      const why = this.scrubber.scrub(messageOf(error));
      this.log.error({ commit, err: why }, 'the new release of the agent could not be installed; the commit is refused, the last good state stays in force');
      const report = this.outcomeReport(commit, 'failed', [`agent upgrade: the new release could not be installed: ${why}`]);
      refuse(this.state, commit, 'agent upgrade failed');
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason, newCommit: true, signer, refusal: true });
      return { report, appliedNew: false };
    }
    this.restartCode = RESTART_EXIT_CODE;
    this.stop();
    return null;
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private request(task: Task): void {
    if (this.stopping) return;
    this.pending.add(task);
    this.wake?.();
  }

  private async handle(task: Task): Promise<void> {
    try {
      if (task === 'poll') await this.onPoll();
      else if (task === 'interval') await this.enforce('interval');
      else await this.enforce('drift', this.takeDrifted());
    } catch (error) {
      // Anything unexpected is logged and the loop goes on: the next tick tries again.
      this.log.error({ task, err: messageOf(error), reason: (error as ConvergeError).reason }, 'task failed');
    }
  }

  private async onPoll(): Promise<void> {
    try {
      const head = await this.pollHead();
      this.pollFailures = 0;
      const first = !this.started;
      this.started = true;
      let appliedNew = false;
      if (head && head !== this.state.applied) appliedNew = (await this.handleHead(head, first ? 'startup' : 'commit'))?.appliedNew ?? false;
      if (first && !appliedNew) await this.enforce('startup');
    } catch (error) {
      this.pollFailures++;
      if (!this.started) {
        // The remote is down at start: still enforce what is in force.
        this.started = true;
        await this.enforce('startup');
      }
      throw error;
    } finally {
      if (!this.pushing && Date.now() >= this.flushNotBefore && (await this.reporter.queued()) > 0) this.requestPush();
      this.schedulePoll();
    }
  }

  private schedulePoll(): void {
    if (this.stopping) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    const delay = backoff(durationToMs(this.config.poll), this.pollFailures);
    this.pollTimer = setTimeout(() => this.request('poll'), delay);
  }

  /** Start pushing the queue unless a push is under way (then it goes round once more). */
  private requestPush(): void {
    if (!this.serving) return; // --once pushes itself, at the end of the cycle
    if (this.pushing) {
      this.pushAgain = true;
      return;
    }
    this.pushing = (async () => {
      do {
        this.pushAgain = false;
        if (!(await this.flush())) break;
      } while (this.pushAgain && !this.pushStop.signal.aborted);
    })()
      .catch((error: unknown) => this.log.error({ err: messageOf(error) }, 'push failed'))
      .finally(() => (this.pushing = null));
  }

  /** On the way out: let the push under way finish, then push what the last run queued; give up after FINAL_PUSH_MS. */
  private async finalPush(): Promise<void> {
    const timer = setTimeout(() => this.pushStop.abort(), FINAL_PUSH_MS);
    try {
      await this.pushing;
      if (this.heldPush) clearTimeout(this.heldPush);
      this.heldPush = null;
      // On the way out, held drift reports go too (as one commit).
      if (!this.pushStop.signal.aborted && (await this.reporter.queued()) > 0) await this.flush(false);
    } finally {
      clearTimeout(timer);
    }
  }

  private async flush(hold = true): Promise<boolean> {
    const result = await this.reporter.flush(this.pushStop.signal, { hold: hold && !this.stopping });
    if (result.heldUntil && !this.heldPush && !this.stopping) {
      this.heldPush = setTimeout(() => {
        this.heldPush = null;
        this.requestPush();
      }, Math.max(0, result.heldUntil - Date.now()));
    }
    if (result.ok) {
      this.flushFailures = 0;
      this.flushNotBefore = 0;
    } else {
      this.flushFailures++;
      this.flushNotBefore = Date.now() + backoff(durationToMs(this.config.poll), this.flushFailures);
    }
    return result.ok;
  }

  /** ls-remote, with the poll event for listeners. */
  private async pollHead(): Promise<string | null> {
    const cpu = process.cpuUsage();
    try {
      const head = await this.source.poll();
      if (!head) throw new ConvergeError('not-found', `branch ${this.config.branch} does not exist on the remote`);
      const moved = head !== this.lastHead;
      if (moved) this.log.info({ head, applied: this.state.applied }, 'branch head');
      this.lastHead = head;
      const spent = cpuMs(cpu);
      this.log.debug({ head: head.slice(0, 12), cpuMs: spent }, 'polled');
      // Every so many quiet polls (half an hour at the default 30 s), hand back what polling allocated.
      if (++this.idlePolls % IDLE_POLLS_PER_GC === 0) releaseMemory();
      await this.emit('pollFinished', { ok: true, moved, cpuMs: spent });
      return head;
    } catch (error) {
      this.log.warn({ err: messageOf(error), failures: this.pollFailures + 1 }, 'poll failed; will retry');
      await this.emit('pollFinished', { ok: false, moved: false, error: messageOf(error), cpuMs: cpuMs(cpu) });
      throw error;
    }
  }

  /** Judge and act on a head that is not the commit in force. */
  private async handleHead(head: string, reason: RunReason): Promise<{ report: Report; appliedNew: boolean } | null> {
    const ev: Evaluation = await this.source.evaluate(head, this.state);
    if (ev.kind === 'current' || ev.kind === 'refused') {
      if (ev.kind === 'refused' && head !== this.lastRefusalLogged) this.log.info({ commit: ev.commit, reason: ev.reason }, 'refused before; waiting for a newer commit');
      this.lastRefusalLogged = head;
      return null;
    }
    if (ev.kind === 'rejected') {
      this.log.warn({ commit: ev.commit, reason: ev.reason, detail: ev.detail }, 'commit rejected; the last good state stays in force');
      const report = this.outcomeReport(ev.commit, 'rejected', [`${ev.commit.slice(0, 7)} rejected (${ev.reason}): ${ev.detail}`]);
      refuse(this.state, ev.commit, ev.reason);
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason, newCommit: true, rejectReason: ev.reason, refusal: true });
      return { report, appliedNew: false };
    }
    if (ev.kind === 'invalid') {
      this.log.warn({ commit: ev.commit, errors: ev.diagnostics.length }, 'commit does not validate; the last good state stays in force');
      const report = this.outcomeReport(ev.commit, 'failed', ev.diagnostics.map(formatDiagnostic));
      refuse(this.state, ev.commit, 'invalid');
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason, newCommit: true, signer: ev.signer, refusal: true });
      return { report, appliedNew: false };
    }
    // A host on its own testing branch is canary work: rings gate the fleet branch only. The commit a new
    // release was switched to for passed the gate and the window in the release before it: holding it
    // now would let the guard switch back a release that works.
    const upgrading = this.upgrader?.confirmingCommit() === ev.commit;
    const gate = ev.branch || upgrading ? { kind: 'open' as const } : await this.gate.check(ev.commit, this.state);
    if (gate.kind === 'held') return this.wait(ev.commit, 'held', gate.note, reason, ev.signer, ev.loaded);
    const window = upgrading ? { kind: 'open' as const, note: undefined } : await windowGate(ev.loaded.window, ev.commit, this.state, this.now(), createRunner(ev.loaded.host.os));
    if (window.kind !== 'open') return this.wait(ev.commit, window.kind, window.note, reason, ev.signer, ev.loaded);
    if (window.note) this.log.warn({ commit: ev.commit }, window.note);
    if (this.upgrader && (await this.upgrader.changesAgent(ev.commit))) return this.selfUpgrade(this.upgrader, ev.commit, reason, ev.signer);
    const report = await this.converge(ev.loaded, ev.commit, reason);
    if (!report) return null;
    let appliedNew = false;
    if (report.result === 'rolledBack' || report.result === 'rejected') {
      refuse(this.state, ev.commit, report.result === 'rolledBack' ? 'rolled back' : 'rejected');
    } else if (!this.stopping) {
      // An interrupted run leaves the commit unapplied: it runs again after the restart.
      this.state.applied = ev.commit;
      this.state.appliedAt = new Date().toISOString();
      this.state.waiting = null;
      this.state.fleetApplied = ev.base ?? ev.commit;
      this.state.deferred = null;
      await this.source.pin(ev.commit, this.state);
      appliedNew = true;
    }
    const notHealed = report.mode === 'monitor' ? 'monitor mode' : undefined;
    await this.record({ report, reason, newCommit: true, signer: ev.signer, notHealedBecause: notHealed, interrupted: this.stopping });
    // The report is queued (durable): a new release that got this far works.
    if (!this.stopping) await this.upgrader?.applied(ev.commit);
    return { report, appliedNew };
  }

  /** A new commit that may not be applied yet (its ring is not open): reported once per reason; the commit in force stays. */
  private async wait(commit: string, result: WaitingCommit['result'], note: RolloutNote, reason: RunReason, signer: string | null, loaded: LoadedHost): Promise<{ report: Report; appliedNew: boolean }> {
    let report: Report = { ...this.outcomeReport(commit, result, [note.reason]), rollout: note };
    const w = this.state.waiting;
    if (w?.commit !== commit || w.result !== result || w.reason !== note.reason) {
      if (result === 'pending') report = await this.prepare(loaded, commit, report);
      this.state.waiting = { commit, result, reason: note.reason };
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason, newCommit: false, signer, refusal: true });
    }
    return { report, appliedNew: false };
  }

  /** Outside the window: plan the waiting commit and pre-pull its images, so the report shows what it will change. */
  private async prepare(loaded: LoadedHost, commit: string, waiting: Report): Promise<Report> {
    const base = createBaseContext(loaded, { root: this.config.root, stateDir: this.config.stateDir, log: this.rootLog, scrubber: this.scrubber, secrets: this.secrets });
    try {
      const plan = (await runHost(loaded, base, { mode: 'plan', commit, signal: this.stopController.signal })).report;
      const problems = await prePullImages(loaded, base);
      return { ...plan, mode: 'plan', result: waiting.result, rollout: waiting.rollout, errors: [...waiting.errors, ...plan.errors, ...problems.map((p) => this.scrubber.scrub(p))] };
    } catch (error) {
      return { ...waiting, errors: [...waiting.errors, `the plan could not complete: ${this.scrubber.scrub(messageOf(error))}`] };
    }
  }

  private takeDrifted(): string[] {
    const ids = [...this.drifted];
    this.drifted.clear();
    return ids;
  }

  /** Converge (or check) the commit in force: on the schedule, on drift (only what drifted, when the last run allows), at start, for --once. */
  private async enforce(reason: RunReason, drifted?: string[]): Promise<Report | null> {
    const commit = this.state.applied;
    if (!commit) return null;
    const loaded = (drifted && this.source.loadedAt(commit)) || (await this.source.load(commit));
    if (Array.isArray(loaded)) {
      // The commit in force validated when it was applied; it can stop only if the machine's facts changed.
      const report = this.outcomeReport(commit, 'failed', loaded.map(formatDiagnostic));
      await this.emit('runFinished', { report, durationMs: 0 });
      await this.record({ report, reason, newCommit: false });
      return report;
    }
    const outsideWindow = loaded.window?.healOutsideWindow === false && !windowState(loaded.window, this.now()).open;
    const checkOnly = this.config.mode === 'monitor' || (reason === 'drift' && !this.config.selfHeal) || outsideWindow;
    const scope = drifted ? this.healScope(commit, loaded, drifted) : undefined;
    if (scope?.ids.size === 0) return null;
    const report = await this.converge(loaded, commit, reason, checkOnly ? (this.config.mode === 'monitor' ? 'monitor' : 'plan') : 'apply', scope);
    if (!report) return null;
    const notHealed = this.config.mode === 'monitor' ? 'monitor mode' : outsideWindow ? 'outside the maintenance window (healOutsideWindow: false)' : checkOnly ? 'selfHeal is off' : undefined;
    await this.record({ report, reason, newCommit: false, notHealedBecause: notHealed, interrupted: this.stopping });
    return report;
  }

  /** What a drift heal converges: the drifted resources and what they notify; undefined (the whole host) without a clean last run of this commit to carry the rest from. */
  private healScope(commit: string, loaded: LoadedHost, drifted: string[]): RunScope | undefined {
    const previous = this.lastRun?.commit === commit ? this.lastRun.report : null;
    if (!previous || previous.errors.length > 0 || previous.resources.length === 0) return undefined;
    return { ids: affectedBy(loaded.graph, drifted), previous };
  }

  /** One run through runHost, with the lock, the watcher told, and listeners told. Null when the lock could not be had. */
  private async converge(loaded: LoadedHost, commit: string, reason: RunReason, mode?: RunMode, scope?: RunScope): Promise<Report | null> {
    if (this.stopping) return null;
    const runMode: RunMode = mode ?? (this.config.mode === 'monitor' ? 'monitor' : 'apply');
    const base = createBaseContext(loaded, { root: this.config.root, stateDir: this.config.stateDir, log: this.rootLog, scrubber: this.scrubber, secrets: this.secrets });
    let lock: Lock;
    try {
      lock = await acquireLock(this.config.stateDir, {
        command: `converge agent ${this.config.host} (${reason})`,
        waitMs: RUN_LOCK_WAIT_MS,
        onWait: (h) => this.log.warn({ holder: h.command, pid: h.pid, since: h.since }, 'waiting for another converge to finish'),
      });
    } catch (error) {
      this.log.warn({ err: messageOf(error), reason }, 'run skipped: the converge lock is held');
      return null;
    }
    if (this.targets?.loaded !== loaded) this.targets = { loaded, targets: watchTargets(loaded, base) };
    const targets = this.targets.targets;
    await this.emit('runStarted', { host: this.config.host, commit, reason });
    this.watch?.beginRun();
    let report: Report;
    try {
      report = (await runHost(loaded, base, { mode: runMode, commit, signal: this.stopController.signal, scope })).report;
      if (runMode !== 'apply' && report.result === 'converged' && report.summary.pending > 0) report = { ...report, result: 'drifted' };
    } catch (error) {
      report = this.outcomeReport(commit, 'failed', [`the run could not complete: ${messageOf(error)}`], runMode);
    } finally {
      await lock.release();
    }
    this.lastRun = report.errors.length === 0 ? { commit, report } : null;
    await this.watch?.endRun(writtenBy(report, loaded, targets, scope?.ids));
    if (this.watch && !this.stopping) await this.watch.watch(targets).catch((error: unknown) => this.log.warn({ err: messageOf(error) }, 'cannot watch managed paths'));
    this.log.info({ reason, commit, result: report.result, changed: report.summary.changed, failed: report.summary.failed, drifted: report.summary.drifted, pending: report.summary.pending, ms: report.durationMs }, 'run finished');
    await this.emit('runFinished', { report, durationMs: report.durationMs });
    // A heal touches a resource or two: not worth a full collection each time.
    if (!scope) releaseMemory();
    return report;
  }

  private async record(run: RunRecord): Promise<void> {
    const notices = this.listenerProblems;
    this.listenerProblems = [];
    const event = await this.reporter.record({ ...run, notices }, this.state);
    await saveState(this.config.stateDir, this.state);
    if (event) this.onEvent(event);
    if (event && !this.stopping) this.requestPush();
  }

  /** A report for a run that never reached the resources (rejected, invalid, crashed). */
  private outcomeReport(commit: string, result: Report['result'], errors: string[], mode?: RunMode): Report {
    const now = new Date().toISOString();
    return {
      version: 1,
      host: this.config.host,
      agentVersion: AGENT_VERSION,
      mode: mode ?? (this.config.mode === 'monitor' ? 'monitor' : 'apply'),
      commit,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      result,
      summary: emptySummary(),
      resources: [],
      errors: errors.map((e) => this.scrubber.scrub(e)),
    };
  }

  private emit<K extends keyof RunEvents>(event: K, info: Parameters<NonNullable<RunEvents[K]>>[0]): Promise<void> {
    return emit(this.listeners.listeners, event, info, (error) => {
      const problem = this.scrubber.scrub(messageOf(error));
      this.log.warn({ event, err: problem }, 'listener failed');
      if (!this.listenerProblems.includes(problem) && this.listenerProblems.length < 20) this.listenerProblems.push(problem);
    });
  }

  private async close(): Promise<void> {
    await closeSshConnections();
    await this.listeners.close().catch((error: unknown) => this.log.warn({ err: messageOf(error) }, 'closing listeners failed'));
    await this.agentLock.release();
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}
