// Services through systemd: state from the run's one `systemctl show`;
// enable/disable/mask with the run's batch (one daemon-reload); start and
// stop in order; notify restarts (or reloads where the unit can). A service
// that requires mounts gets a drop-in with RequiresMountsFor=.
import type { Change, Context, Provider } from '../types.js';
import type { ServiceDesired } from './schema.js';
import { systemdSession } from '../shared/systemd/session.js';
import type { StagePlan } from '../shared/systemd/session.js';
import type { UnitState } from '../shared/systemd/show.js';
import { isRunning } from '../shared/systemd/show.js';
import { serviceUnitName, UNIT_DIR } from '../shared/systemd/names.js';
import { activityChanges, emptyPlan, enablementPlan, planHasWork } from '../shared/systemd/unit-state.js';
import { readUnitFile, removeUnitFile, unitFileChanges, unitFileInSync, writeUnitFile } from '../shared/systemd/unit-files.js';
import type { UnitFileObserved } from '../shared/systemd/unit-files.js';
import { refreshUnit } from '../unit/provider.js';

export interface ServiceObserved {
  state: UnitState;
  dropIn: UnitFileObserved | null;
}

/** Where the mounts drop-in of a unit lives. */
export function dropInPath(unit: string): string {
  return `${UNIT_DIR}/${unit}.d/converge-mounts.conf`;
}

export const systemdServiceProvider: Provider<ServiceDesired, ServiceObserved> = {
  async prefetch(specs, ctx) {
    const session = systemdSession(ctx);
    session.want(specs.map((s) => serviceUnitName(s.service)));
    for (const spec of specs) {
      session.register({
        id: `service:${spec.service}`,
        observe: () => observeService(spec, ctx),
        stage: async (observed) => stageService(spec, observed as ServiceObserved, ctx),
      });
    }
  },

  async observe(spec, ctx) {
    return systemdSession(ctx).takeSnapshot<ServiceObserved>(`service:${spec.service}`) ?? (await observeService(spec, ctx));
  },

  diff(spec, observed) {
    const unit = serviceUnitName(spec.service);
    if (!observed) return [];
    const { state } = observed;
    if (state.load === 'not-found') {
      return [{ property: 'installed', from: 'no', to: 'yes', ...(state.active === 'unknown' ? { skipped: `${unit} is not installed under this root` } : {}) }];
    }
    const changes: Change[] = [];
    if (spec.mountsDropIn) changes.push(...unitFileChanges(dropInPath(unit), spec.mountsDropIn, observed.dropIn).filter((c) => c.property !== 'ensure'));
    else if (observed.dropIn) changes.push({ property: 'drop-in', from: dropInPath(unit), to: null });
    const masked = state.fileState === 'masked' || state.load === 'masked';
    if (spec.masked === true && !masked) changes.push({ property: 'masked', from: 'no', to: 'yes' });
    if (spec.masked === false && masked) changes.push({ property: 'masked', from: 'yes', to: 'no' });
    const after = spec.masked === false && masked ? { ...state, fileState: 'disabled' } : state;
    changes.push(...activityChanges(spec.masked ? { running: spec.running } : spec, after));
    if (spec.masked && state.active !== 'unknown' && isRunning(state) && spec.running === undefined) {
      changes.push({ property: 'state', from: 'running', to: 'stopped' });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const unit = serviceUnitName(spec.service);
    if (changes.some((c) => c.property === 'installed')) {
      throw new Error(`${unit} does not exist: install its package (a package resource it requires) or write it with a unit resource`);
    }
    const session = systemdSession(ctx);
    const running = changes.find((c) => c.property === 'state');
    // stop before masking, so the mask does not leave it running
    if (running?.to === 'stopped' && session.live) await session.act('stop', unit);
    await session.stage(`service:${spec.service}`);
    if (running?.to === 'running' && session.live) await session.act('start', unit);
  },

  async refresh(spec, ctx: Context) {
    return refreshUnit(serviceUnitName(spec.service), spec.refresh ?? 'restart', ctx);
  },
};

async function observeService(spec: ServiceDesired, ctx: Context): Promise<ServiceObserved> {
  const unit = serviceUnitName(spec.service);
  const [state, dropIn] = await Promise.all([systemdSession(ctx).state(unit), readUnitFile(ctx, dropInPath(unit))]);
  return { state, dropIn };
}

async function stageService(spec: ServiceDesired, observed: ServiceObserved, ctx: Context): Promise<StagePlan | null> {
  const unit = serviceUnitName(spec.service);
  const { state } = observed;
  const plan = emptyPlan();
  if (state.load === 'not-found') return null;
  const file = { unit, wasLoaded: true, wasRunning: false }; // RequiresMountsFor matters at the next start: no restart
  if (spec.mountsDropIn && !unitFileInSync(spec.mountsDropIn, observed.dropIn)) {
    await writeUnitFile(ctx, dropInPath(unit), spec.mountsDropIn);
    plan.files.push(file);
  } else if (!spec.mountsDropIn && observed.dropIn && (await removeUnitFile(ctx, dropInPath(unit)))) {
    plan.files.push(file);
  }
  const masked = state.fileState === 'masked' || state.load === 'masked';
  if (spec.masked === true && !masked) plan.mask.push(unit);
  if (spec.masked === false && masked) plan.unmask.push(unit);
  if (!spec.masked) enablementPlan(unit, spec.enabled, masked && spec.masked === false ? { ...state, fileState: 'disabled' } : state, plan);
  return planHasWork(plan) ? plan : null;
}
