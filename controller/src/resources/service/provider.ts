// Services through systemd: state from the run's one `systemctl show`;
// enable/disable/mask with the run's batch (one daemon-reload); start and
// stop in order; notify restarts (or reloads where the unit can).
import type { Change, Context, Provider } from '../types.js';
import type { ServiceSpec } from './schema.js';
import { systemdSession } from '../shared/systemd/session.js';
import type { UnitState } from '../shared/systemd/show.js';
import { serviceUnitName } from '../shared/systemd/names.js';
import { activityChanges, emptyPlan, enablementPlan, planHasWork } from '../shared/systemd/unit-state.js';
import { refreshUnit } from '../unit/provider.js';

export const systemdServiceProvider: Provider<ServiceSpec, UnitState> = {
  async prefetch(specs, ctx) {
    const session = systemdSession(ctx);
    session.want(specs.map((s) => serviceUnitName(s.service)));
    for (const spec of specs) {
      session.register({
        id: `service:${spec.service}`,
        observe: () => session.state(serviceUnitName(spec.service)),
        stage: async (observed) => stageService(spec, observed as UnitState),
      });
    }
  },

  async observe(spec, ctx) {
    const session = systemdSession(ctx);
    return session.takeSnapshot<UnitState>(`service:${spec.service}`) ?? (await session.state(serviceUnitName(spec.service)));
  },

  diff(spec, state) {
    const unit = serviceUnitName(spec.service);
    if (!state) return [];
    if (state.load === 'not-found') {
      return [{ property: 'installed', from: 'not found', to: `${unit} installed`, ...(state.active === 'unknown' ? { skipped: `${unit} is not installed under this root` } : {}) }];
    }
    const changes: Change[] = [];
    const masked = state.fileState === 'masked' || state.load === 'masked';
    if (spec.masked === true && !masked) changes.push({ property: 'masked', from: 'no', to: 'yes' });
    if (spec.masked === false && masked) changes.push({ property: 'masked', from: 'yes', to: 'no' });
    const after = spec.masked === false && masked ? { ...state, fileState: 'disabled' } : state;
    changes.push(...activityChanges(unit, spec.masked ? { running: spec.running } : spec, after));
    if (spec.masked && state.active !== 'unknown' && (state.active === 'active' || state.active === 'activating')) {
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

function stageService(spec: ServiceSpec, state: UnitState) {
  const unit = serviceUnitName(spec.service);
  const plan = emptyPlan();
  if (state.load === 'not-found') return null;
  const masked = state.fileState === 'masked' || state.load === 'masked';
  if (spec.masked === true && !masked) plan.mask.push(unit);
  if (spec.masked === false && masked) plan.unmask.push(unit);
  if (!spec.masked) enablementPlan(unit, spec.enabled, masked && spec.masked === false ? { ...state, fileState: 'disabled' } : state, plan);
  return planHasWork(plan) ? plan : null;
}
