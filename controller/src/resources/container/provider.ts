// Containers through systemd and podman: the generated unit file is compared
// byte for byte (it carries the spec's hash); the service's state comes from
// the run's one `systemctl show`, the container's from one `podman container
// inspect`. The container is recreated (its service restarted) only when the
// spec changed or the container is not the one the spec describes.
import type { Context, Provider } from '../types.js';
import type { ContainerDesired } from './schema.js';
import { containerUnitName, containerUnitText, specHash } from './unit-text.js';
import { forgetContainer, imageExists, inspectContainer, removeContainer, wantContainers } from './podman.js';
import type { PodmanContainer } from './podman.js';
import { systemdSession } from '../shared/systemd/session.js';
import type { UnitState } from '../shared/systemd/show.js';
import { isRunning } from '../shared/systemd/show.js';
import { unitFilePath } from '../shared/systemd/names.js';
import { readUnitFile, unitFileChanges, unitFileInSync, writeUnitFile } from '../shared/systemd/unit-files.js';
import type { UnitFileObserved } from '../shared/systemd/unit-files.js';
import { activityChanges, emptyPlan, enablementPlan, planHasWork } from '../shared/systemd/unit-state.js';
import { refreshUnit, removeUnit } from '../unit/provider.js';

export interface ContainerObserved {
  file: UnitFileObserved | null;
  state: UnitState;
  /** null: none, or not asked (no manager under --root). */
  container: PodmanContainer | null;
}

const RECREATE = 'container';

export const containerProvider: Provider<ContainerDesired, ContainerObserved> = {
  async prefetch(specs, ctx) {
    const session = systemdSession(ctx);
    session.want(specs.map((s) => containerUnitName(s.container)));
    if (session.live) wantContainers(ctx, specs.map((s) => s.container));
    for (const spec of specs) {
      if (spec.ensure === 'absent') continue;
      session.register({
        id: `container:${spec.container}`,
        observe: () => observeContainer(spec, ctx),
        stage: (observed) => stageContainer(spec, observed as ContainerObserved, ctx),
      });
    }
  },

  async observe(spec, ctx) {
    const snapshot = systemdSession(ctx).takeSnapshot<ContainerObserved>(`container:${spec.container}`);
    if (snapshot) return snapshot;
    const observed = await observeContainer(spec, ctx);
    if (spec.ensure === 'absent' && observed.file === null && !observed.container) return null;
    return observed;
  },

  absent: (observed) => observed.file === null,

  diff(spec, observed) {
    const unit = containerUnitName(spec.container);
    const changes = unitFileChanges(unitFilePath(unit), containerUnitText(spec), observed?.file ?? null);
    if (!observed) return changes;
    changes.push(...activityChanges(spec, observed.state));
    const live = observed.state.active !== 'unknown';
    if (!live || !spec.running || !isRunning(observed.state)) return changes;
    const want = specHash(spec);
    const fileChanged = changes.some((c) => c.property === 'content');
    const c = observed.container;
    if (fileChanged) changes.push({ property: RECREATE, from: c?.spec ? `spec ${c.spec}` : null, to: `recreated with spec ${want}` });
    else if (!c || !c.running) changes.push({ property: RECREATE, from: c ? c.status : 'missing', to: `running, spec ${want}` });
    else if (c.spec !== want) changes.push({ property: RECREATE, from: c.spec ? `spec ${c.spec}` : 'not created by converge', to: `recreated with spec ${want}` });
    return changes;
  },

  async apply(spec, changes, ctx) {
    const session = systemdSession(ctx);
    const unit = containerUnitName(spec.container);
    await session.stage(`container:${spec.container}`);
    if (!session.live) return;
    const running = changes.find((c) => c.property === 'state');
    const recreate = changes.some((c) => c.property === RECREATE);
    if (running?.to === 'stopped') {
      await session.act('stop', unit);
    } else if (running?.to === 'running' || recreate) {
      if (spec.pull === 'never' && !(await imageExists(ctx, spec.image))) {
        throw new Error(`image ${spec.image} is not in local storage and pull is never: load or build it first`);
      }
      await session.act(running ? 'start' : 'restart', unit);
    }
    forgetContainer(ctx, spec.container);
  },

  async remove(spec, ctx) {
    await removeUnit(containerUnitName(spec.container), ctx);
    if (systemdSession(ctx).live) await removeContainer(ctx, spec.container);
  },

  async refresh(spec, ctx) {
    const why = await refreshUnit(containerUnitName(spec.container), 'restart', ctx);
    forgetContainer(ctx, spec.container);
    return why;
  },
};

async function observeContainer(spec: ContainerDesired, ctx: Context): Promise<ContainerObserved> {
  const session = systemdSession(ctx);
  const unit = containerUnitName(spec.container);
  const [file, state, container] = await Promise.all([
    readUnitFile(ctx, unitFilePath(unit)),
    session.state(unit),
    session.live ? inspectContainer(ctx, spec.container) : Promise.resolve(null),
  ]);
  return { file, state, container };
}

async function stageContainer(spec: ContainerDesired, observed: ContainerObserved, ctx: Context) {
  const unit = containerUnitName(spec.container);
  const text = containerUnitText(spec);
  const plan = emptyPlan();
  if (!unitFileInSync(text, observed.file)) {
    await writeUnitFile(ctx, unitFilePath(unit), text);
    plan.files.push({ unit, wasLoaded: observed.state.load === 'loaded', wasRunning: isRunning(observed.state) });
  }
  enablementPlan(unit, spec.enabled, observed.state, plan);
  return planHasWork(plan) ? plan : null;
}

