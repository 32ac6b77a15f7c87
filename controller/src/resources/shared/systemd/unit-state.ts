// The enabled and running parts of a unit's state as changes, and what the
// batch must do about enablement. Shared by unit, service, container, mount.
import type { Change } from '../../types.js';
import type { UnitState } from './show.js';
import { isDisabledLike, isEnabledLike, isRunning } from './show.js';
import type { StagePlan } from './session.js';

export const NO_MANAGER = 'needs a running systemd, not --root';

/** Changes for `enabled` and `running` of one unit. Pure. */
export function activityChanges(want: { enabled?: boolean; running?: boolean }, state: UnitState): Change[] {
  const changes: Change[] = [];
  // "enabled no → yes"; a state that is neither (masked, linked…) is shown by name
  const was = state.fileState === 'enabled' ? 'yes' : state.fileState === 'disabled' || state.fileState === '' ? 'no' : state.fileState;
  if (want.enabled === true && !isEnabledLike(state.fileState)) {
    changes.push({ property: 'enabled', from: was, to: 'yes' });
  } else if (want.enabled === false && !isDisabledLike(state.fileState)) {
    changes.push({ property: 'enabled', from: was, to: 'no' });
  }
  if (want.running !== undefined) {
    if (state.active === 'unknown') {
      changes.push({ property: 'state', from: null, to: want.running ? 'running' : 'stopped', skipped: NO_MANAGER });
    } else if (want.running !== isRunning(state)) {
      changes.push({ property: 'state', from: state.active === 'inactive' ? 'stopped' : state.active, to: want.running ? 'running' : 'stopped' });
    }
  }
  return changes;
}

/** The enablement part of a stage plan for one unit. */
export function enablementPlan(unit: string, enabled: boolean | undefined, state: UnitState, plan: StagePlan): void {
  if (enabled === true && !isEnabledLike(state.fileState)) {
    if (state.fileState === 'masked') plan.unmask.push(unit);
    plan.enable.push(unit);
  } else if (enabled === false && !isDisabledLike(state.fileState)) {
    plan.disable.push(unit);
  }
}

/** An empty stage plan. */
export function emptyPlan(): StagePlan {
  return { files: [], enable: [], disable: [], mask: [], unmask: [] };
}

/** True when a stage plan does something. */
export function planHasWork(plan: StagePlan): boolean {
  return plan.files.length + plan.enable.length + plan.disable.length + plan.mask.length + plan.unmask.length > 0;
}
