// The run's conversation with systemd, shared by every type that manages
// units (unit, service, container, mount):
// - one `systemctl show` for all their units, asked on the first observe;
// - unit files and enablement of every resource that is ready are changed
//   together on the first change of the run, followed by one daemon-reload
//   (a reload costs ~0.4 s on a small system; thirty of them would dominate);
// - start/stop/restart one unit at a time, in the engine's order;
// - under --root no manager runs: enablement goes through
//   `systemctl --root=DIR`, and nothing is started or reloaded.
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../../types.js';
import type { CommandResult } from '../../../platform/runner.js';
import { ConvergeError } from '../../../platform/errors.js';
import { parseShow, showArgs } from './show.js';
import type { UnitState } from './show.js';
import { readyBatch } from '../batch.js';
import { journal } from './journal.js';
import type { JournalEntry, ManagerAction } from './journal.js';

/** What one resource changed while staging: unit files written, enablement to change. */
export interface StagePlan {
  /** Unit files written or removed, with whether the manager had the unit loaded and running. */
  files: { unit: string; wasLoaded: boolean; wasRunning: boolean }[];
  enable: string[];
  disable: string[];
  mask: string[];
  unmask: string[];
}

/** A resource whose unit files and enablement can be changed in the run's batch. */
export interface Stageable {
  id: string;
  /** Its provider's observe (before the batch changes anything), kept for its own report. */
  observe(): Promise<unknown>;
  /** Write its unit files; say which units to enable, disable, mask, unmask. Null: nothing to do. */
  stage(observed: unknown): Promise<StagePlan | null>;
}

const KEY = 'systemd:session';
const START_TIMEOUT_MS = 300_000;

/** The run's systemd session (created on first use). */
export function systemdSession(ctx: Context): SystemdSession {
  let session = ctx.cache.get(KEY) as SystemdSession | undefined;
  if (!session) {
    session = new SystemdSession(ctx);
    ctx.cache.set(KEY, session);
  }
  return session;
}

export class SystemdSession {
  private readonly wanted = new Set<string>();
  private readonly states = new Map<string, UnitState>();
  private readonly stageables = new Map<string, Stageable>();
  private readonly staged = new Set<string>();
  private readonly snapshots = new Map<string, unknown>();
  private readonly restartedUnits = new Set<string>();
  private batchDone = false;
  private reloadPending = false;
  /** daemon-reloads this run did (for logs and tests). */
  reloads = 0;
  /** `systemctl show` calls this run made. */
  showCalls = 0;

  private readonly log: Context['log'];

  constructor(private readonly ctx: Context) {
    this.log = ctx.log.child({ component: 'systemd' });
  }

  /** A service manager runs (not --root): start, stop and reload are possible. */
  get live(): boolean {
    return !this.ctx.sandboxed;
  }

  /** Units whose state this run will read: fetched together on the first `state()`. */
  want(names: readonly string[]): void {
    for (const n of names) this.wanted.add(n);
  }

  /** Register a resource for the batch (from a type's prefetch). */
  register(stageable: Stageable): void {
    this.stageables.set(stageable.id, stageable);
  }

  /** The state of a unit: from the run's batch, or fetched with everything else not yet known. */
  async state(name: string): Promise<UnitState> {
    const known = this.states.get(name);
    if (known) return known;
    this.wanted.add(name);
    await this.fetch([...this.wanted].filter((n) => !this.states.has(n)));
    return this.states.get(name)!;
  }

  /** Forget what is known of these units (after changing them). */
  invalidate(...names: string[]): void {
    for (const n of names) this.states.delete(n);
  }

  /** The observation taken for `id` before the batch changed it (once), so its report shows the change. */
  takeSnapshot<O>(id: string): O | undefined {
    if (!this.snapshots.has(id)) return undefined;
    const snap = this.snapshots.get(id) as O;
    this.snapshots.delete(id);
    return snap;
  }

  /** True when `unit` was (re)started in this run after its file or config changed. */
  restarted(unit: string): boolean {
    return this.restartedUnits.has(unit);
  }

  /**
   * Stage `id` before its manager actions: on the run's first call, the unit
   * files and enablement of every ready registered resource are changed
   * together and the manager reloaded once; later calls stage `id` alone.
   */
  async stage(id: string): Promise<void> {
    if (this.staged.has(id)) {
      await this.flushReload();
      return;
    }
    const ids = this.batchDone ? new Set([id]) : readyBatch(this.ctx, id, [...this.stageables.keys()]);
    this.batchDone = true;
    const plans: StagePlan[] = [];
    for (const sid of [id, ...[...ids].filter((x) => x !== id)]) {
      const s = this.stageables.get(sid);
      if (!s) continue;
      try {
        const observed = await s.observe();
        const plan = await s.stage(observed);
        this.staged.add(sid);
        if (plan) {
          plans.push(plan);
          if (sid !== id) this.snapshots.set(sid, observed);
        }
      } catch (error) {
        // `id` itself fails with its reason; another resource retries in its own turn and reports there.
        if (sid === id) throw error;
        this.log.warn({ id: sid, err: String(error) }, 'staging deferred to its own turn');
      }
    }
    await this.applyPlans(plans);
  }

  private async applyPlans(plans: StagePlan[]): Promise<void> {
    const collect = (key: 'enable' | 'disable' | 'mask' | 'unmask') => [...new Set(plans.flatMap((p) => p[key]))];
    const entries: JournalEntry[] = plans.flatMap((p) => p.files.map((f) => ({ action: 'file' as const, unit: f.unit, wasRunning: f.wasRunning })));
    const touched = new Set(plans.flatMap((p) => p.files.map((f) => f.unit)));
    for (const action of ['unmask', 'disable', 'enable', 'mask'] as const) {
      const units = collect(action);
      if (units.length === 0) continue;
      await this.systemctlOk([action, '--no-reload', '--', ...units], `${action} ${units.join(' ')}`);
      for (const u of units) {
        entries.push({ action, unit: u });
        touched.add(u);
      }
    }
    journal(this.ctx, entries);
    this.invalidate(...touched);
    if (touched.size > 0) this.reloadPending = true;
    await this.flushReload();
  }

  /** One daemon-reload if files or enablement changed since the last one (never under --root). */
  async flushReload(): Promise<void> {
    if (!this.reloadPending) return;
    this.reloadPending = false;
    if (!this.live) return;
    await this.systemctlOk(['daemon-reload'], 'daemon-reload');
    this.reloads++;
    this.log.info({ reloads: this.reloads }, 'daemon-reload');
    this.states.clear();
  }

  /** Note a unit file removed outside the batch: reloaded before the next action. */
  fileRemoved(unit: string): void {
    this.invalidate(unit);
    this.reloadPending = true;
  }

  /** start | stop | restart | reload-or-restart a unit, journaled for rollback; throws with the unit's last log lines. */
  async act(action: Extract<ManagerAction, 'start' | 'stop' | 'restart' | 'reload'>, unit: string): Promise<void> {
    if (!this.live) throw new ConvergeError('unsupported', `cannot ${action} ${unit}: no service manager runs under --root`);
    await this.flushReload();
    const verb = action === 'reload' ? 'reload-or-restart' : action;
    const r = await this.systemctl([verb, '--', unit], START_TIMEOUT_MS);
    this.invalidate(unit);
    journal(this.ctx, [{ action, unit }]);
    if (action === 'restart' || action === 'start' || action === 'reload') this.restartedUnits.add(unit);
    if (r.exitCode !== 0) {
      const logs = await this.recentLogs(unit);
      throw new ConvergeError('io', `systemctl ${verb} ${unit} failed: ${firstLine(r.stderr) || `exit ${r.exitCode}`}${logs ? `\n${logs}` : ''}`);
    }
  }

  /** Disable (and mask/unmask) one unit outside the batch, for removal. */
  async disableNow(units: string[]): Promise<void> {
    if (units.length === 0) return;
    await this.systemctlOk(['disable', '--no-reload', '--', ...units], `disable ${units.join(' ')}`);
    journal(this.ctx, units.map((unit) => ({ action: 'disable' as const, unit })));
    this.invalidate(...units);
    this.reloadPending = true;
  }

  /** Run systemctl (with --root=DIR under a sandbox root). */
  systemctl(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    const rooted = this.live ? args : [`--root=${this.ctx.root}`, ...args];
    return this.ctx.runner.run('systemctl', rooted, { timeoutMs });
  }

  private async systemctlOk(args: string[], what: string): Promise<void> {
    const r = await this.systemctl(args);
    if (r.exitCode !== 0) throw new ConvergeError('io', `systemctl ${what} failed: ${firstLine(r.stderr) || `exit ${r.exitCode}`}`);
  }

  private async fetch(names: string[]): Promise<void> {
    if (names.length === 0) return;
    if (!this.live) {
      for (const s of await this.offlineStates(names)) this.states.set(s.name, s);
      return;
    }
    this.showCalls++;
    this.log.debug({ units: names.length, call: this.showCalls }, 'systemctl show');
    const r = await this.systemctl(showArgs(names));
    if (r.exitCode !== 0) throw new ConvergeError('io', `systemctl show failed: ${firstLine(r.stderr) || `exit ${r.exitCode}`}`);
    for (const s of parseShow(r.stdout, names)) this.states.set(s.name, s);
  }

  /** Under --root: what the unit files say (systemctl --root is-enabled for the ones that exist). */
  private async offlineStates(names: string[]): Promise<UnitState[]> {
    const found = names.filter((n) => this.unitFileIn(n) !== null);
    const fileStates = new Map<string, string>();
    if (found.length > 0) {
      const r = await this.systemctl(['is-enabled', '--', ...found]);
      const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      if (lines.length === found.length) found.forEach((n, i) => fileStates.set(n, lines[i]!));
    }
    return names.map((name) => {
      const file = this.unitFileIn(name);
      const masked = file !== null && isMaskLink(file);
      return {
        name,
        load: file === null ? 'not-found' : masked ? 'masked' : 'loaded',
        active: 'unknown',
        sub: '',
        fileState: masked ? 'masked' : fileStates.get(name) ?? (file === null ? '' : 'disabled'),
        needReload: false,
        canReload: false,
      };
    });
  }

  private unitFileIn(name: string): string | null {
    const template = name.includes('@') ? name.replace(/@[^.]*\./, '@.') : null;
    for (const dir of ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system']) {
      for (const n of template ? [name, template] : [name]) {
        const local = path.join(this.ctx.local(dir), n);
        if (existsSync(local) || isMaskLink(local)) return local;
      }
    }
    return null;
  }

  private async recentLogs(unit: string): Promise<string> {
    const r = await this.ctx.runner.run('journalctl', ['-u', unit, '-n', '8', '--no-pager', '-o', 'cat'], { timeoutMs: 10_000 });
    const text = r.stdout.trim();
    return text ? text.split('\n').slice(-8).map((l) => `  ${l.slice(0, 300)}`).join('\n') : '';
  }
}

function isMaskLink(local: string): boolean {
  try {
    return lstatSync(local).isSymbolicLink() && readlinkSync(local) === '/dev/null';
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
