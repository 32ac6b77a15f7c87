// Units through systemd: the file is compared byte for byte; enabled and
// running come from the run's one `systemctl show`. A changed file is written
// with the run's other unit files before one daemon-reload; a unit that was
// running is then restarted so the new definition takes effect.
import type { Context, Provider } from '../types.js';
import type { UnitSpec } from './schema.js';
import { systemdSession } from '../shared/systemd/session.js';
import type { UnitState } from '../shared/systemd/show.js';
import { isRunning, isDisabledLike } from '../shared/systemd/show.js';
import { unitFilePath } from '../shared/systemd/names.js';
import { readUnitFile, removeUnitFile, unitFileChanges, unitFileInSync, writeUnitFile } from '../shared/systemd/unit-files.js';
import type { UnitFileObserved } from '../shared/systemd/unit-files.js';
import { activityChanges, emptyPlan, enablementPlan, NO_MANAGER, planHasWork } from '../shared/systemd/unit-state.js';

export interface UnitObserved {
  file: UnitFileObserved | null;
  state: UnitState;
}

const RESTART = 'restart';

export const unitProvider: Provider<UnitSpec, UnitObserved> = {
  async prefetch(specs, ctx) {
    const session = systemdSession(ctx);
    session.want(specs.map((s) => s.unit));
    for (const spec of specs) {
      if (spec.ensure === 'absent') continue;
      session.register({
        id: `unit:${spec.unit}`,
        observe: () => observeUnit(spec, ctx),
        stage: (observed) => stageUnit(spec, observed as UnitObserved, ctx),
      });
    }
  },

  async observe(spec, ctx) {
    const snapshot = systemdSession(ctx).takeSnapshot<UnitObserved>(`unit:${spec.unit}`);
    if (snapshot) return snapshot;
    const observed = await observeUnit(spec, ctx);
    // ensure: absent is in sync when there is no file converge could remove
    if (spec.ensure === 'absent' && observed.file === null) return null;
    return observed;
  },

  absent: (observed) => observed.file === null,

  diff(spec, observed) {
    const path = unitFilePath(spec.unit);
    const changes = unitFileChanges(path, spec.content ?? '', observed?.file ?? null);
    if (!observed) return changes;
    changes.push(...activityChanges(spec, observed.state));
    const fileChanged = changes.some((c) => c.property === 'content');
    if (fileChanged && observed.state.active !== 'unknown' && isRunning(observed.state) && spec.running !== false) {
      changes.push({ property: RESTART, from: null, to: 'restart to load the changed unit file' });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const session = systemdSession(ctx);
    const id = `unit:${spec.unit}`;
    await session.stage(id);
    if (!session.live) return;
    const running = changes.find((c) => c.property === 'state');
    if (running?.to === 'stopped') await session.act('stop', spec.unit);
    else if (running?.to === 'running') await session.act('start', spec.unit);
    else if (changes.some((c) => c.property === RESTART)) await session.act('restart', spec.unit);
  },

  async remove(spec, ctx) {
    await removeUnit(spec.unit, ctx);
  },

  async refresh(spec, ctx) {
    return refreshUnit(spec.unit, spec.refresh ?? 'restart', ctx);
  },
};

async function observeUnit(spec: UnitSpec, ctx: Context): Promise<UnitObserved> {
  const [file, state] = await Promise.all([readUnitFile(ctx, unitFilePath(spec.unit)), systemdSession(ctx).state(spec.unit)]);
  return { file, state };
}

async function stageUnit(spec: UnitSpec, observed: UnitObserved, ctx: Context) {
  const plan = emptyPlan();
  if (!unitFileInSync(spec.content ?? '', observed.file)) {
    await writeUnitFile(ctx, unitFilePath(spec.unit), spec.content ?? '');
    plan.files.push({ unit: spec.unit, wasLoaded: observed.state.load === 'loaded', wasRunning: isRunning(observed.state) });
  }
  enablementPlan(spec.unit, spec.enabled, observed.state, plan);
  return planHasWork(plan) ? plan : null;
}

/** Stop, disable and delete a unit converge wrote. */
export async function removeUnit(unit: string, ctx: Context): Promise<void> {
  const session = systemdSession(ctx);
  const state = await session.state(unit);
  if (session.live && isRunning(state)) await session.act('stop', unit);
  if (!isDisabledLike(state.fileState)) await session.disableNow([unit]);
  if (await removeUnitFile(ctx, unitFilePath(unit))) session.fileRemoved(unit);
  await session.flushReload();
}

/** Restart (or reload) a unit for a notify; a reason when it cannot be done here. */
export async function refreshUnit(unit: string, how: 'restart' | 'reload', ctx: Context): Promise<string | undefined> {
  const session = systemdSession(ctx);
  if (!session.live) return NO_MANAGER;
  // Already (re)started in this run after whatever notified it changed.
  if (session.restarted(unit)) return undefined;
  const state = await session.state(unit);
  if (!isRunning(state)) return 'not running: it picks up the change when it starts';
  await session.act(how === 'reload' ? 'reload' : 'restart', unit);
  return undefined;
}

