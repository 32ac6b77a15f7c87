// Mounts through systemd: the .mount (and .automount) unit files converge
// generates, enabled and started like any unit. A changed mount unit of a
// mounted filesystem is remounted (restarted) so its new options apply.
import type { Change, Context, Provider } from '../types.js';
import type { MountDesired } from './schema.js';
import { activeUnitName, mountUnits } from './unit-text.js';
import { systemdSession } from '../shared/systemd/session.js';
import type { UnitState } from '../shared/systemd/show.js';
import { isRunning } from '../shared/systemd/show.js';
import { unitFilePath } from '../shared/systemd/names.js';
import { readUnitFile, unitFileChanges, unitFileInSync, writeUnitFile } from '../shared/systemd/unit-files.js';
import type { UnitFileObserved } from '../shared/systemd/unit-files.js';
import { activityChanges, emptyPlan, enablementPlan, planHasWork } from '../shared/systemd/unit-state.js';
import { setAttributes, statPath } from '../shared/posix-path.js';
import { refreshUnit, removeUnit } from '../unit/provider.js';

export interface MountObserved {
  files: Map<string, UnitFileObserved | null>;
  /** The unit that is enabled and started (.automount or .mount). */
  state: UnitState;
  /** Mode of the credentials file, when there is one. */
  credentialsMode: string | null;
}

const REMOUNT = 'remount';

export const systemdMountProvider: Provider<MountDesired, MountObserved> = {
  async prefetch(specs, ctx) {
    const session = systemdSession(ctx);
    session.want(specs.map(activeUnitName));
    for (const spec of specs) {
      if (spec.ensure === 'absent') continue;
      session.register({
        id: `mount:${spec.mount}`,
        observe: () => observeMount(spec, ctx),
        stage: (observed) => stageMount(spec, observed as MountObserved, ctx),
      });
    }
  },

  async observe(spec, ctx) {
    const snapshot = systemdSession(ctx).takeSnapshot<MountObserved>(`mount:${spec.mount}`);
    if (snapshot) return snapshot;
    const observed = await observeMount(spec, ctx);
    if (spec.ensure === 'absent' && [...observed.files.values()].every((f) => f === null)) return null;
    return observed;
  },

  absent: (observed) => [...observed.files.values()].every((f) => f === null),

  diff(spec, observed) {
    const changes: Change[] = [];
    for (const [name, text] of mountUnits(spec)) {
      changes.push(...unitFileChanges(unitFilePath(name), text, observed?.files.get(name) ?? null));
    }
    if (!observed) return changes;
    if (observed.credentialsMode && observed.credentialsMode !== '0600') {
      changes.push({ property: 'credentials mode', from: observed.credentialsMode, to: '0600' });
    }
    changes.push(...activityChanges({ enabled: spec.enabled, running: spec.mounted }, observed.state).map(renameRunning));
    const fileChanged = changes.some((c) => c.property === 'content');
    if (fileChanged && observed.state.active !== 'unknown' && isRunning(observed.state) && spec.mounted) {
      changes.push({ property: REMOUNT, from: null, to: 'remount with the changed unit' });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const session = systemdSession(ctx);
    if (changes.some((c) => c.property === 'credentials mode') && spec.credentialsPath) await setAttributes(ctx.local(spec.credentialsPath), { mode: '0600' }, ctx);
    await session.stage(`mount:${spec.mount}`);
    if (!session.live) return;
    const unit = activeUnitName(spec);
    const mounted = changes.find((c) => c.property === 'state');
    if (mounted?.to === 'unmounted') await session.act('stop', unit);
    else if (mounted?.to === 'mounted') await session.act('start', unit);
    else if (changes.some((c) => c.property === REMOUNT)) await session.act('restart', unit);
  },

  async remove(spec, ctx) {
    // the automount first, so nothing mounts it again while the mount goes
    for (const name of [...mountUnits(spec).keys()].reverse()) await removeUnit(name, ctx);
  },

  async refresh(spec, ctx) {
    return refreshUnit(activeUnitName(spec), 'restart', ctx);
  },
};

function renameRunning(c: Change): Change {
  if (c.property !== 'state') return c;
  const word = (v: string | null | undefined) => (v === 'running' ? 'mounted' : v === 'stopped' ? 'unmounted' : v);
  return { ...c, from: word(c.from), to: word(c.to) };
}

async function observeMount(spec: MountDesired, ctx: Context): Promise<MountObserved> {
  const files = new Map<string, UnitFileObserved | null>();
  for (const name of mountUnits(spec).keys()) files.set(name, await readUnitFile(ctx, unitFilePath(name)));
  const state = await systemdSession(ctx).state(activeUnitName(spec));
  const cred = spec.credentialsPath ? await statPath(ctx.local(spec.credentialsPath), ctx) : null;
  return { files, state, credentialsMode: cred?.kind === 'file' ? cred.mode : null };
}

async function stageMount(spec: MountDesired, observed: MountObserved, ctx: Context) {
  const plan = emptyPlan();
  for (const [name, text] of mountUnits(spec)) {
    if (unitFileInSync(text, observed.files.get(name) ?? null)) continue;
    await writeUnitFile(ctx, unitFilePath(name), text);
    const active = name === activeUnitName(spec);
    plan.files.push({ unit: name, wasLoaded: observed.state.load === 'loaded', wasRunning: active && isRunning(observed.state) });
  }
  enablementPlan(activeUnitName(spec), spec.enabled, observed.state, plan);
  return planHasWork(plan) ? plan : null;
}
