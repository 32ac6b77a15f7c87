// Task Scheduler tasks through the run's PowerShell host. The task XML is
// rendered from the manifest, kept in a file under ProgramData (what converge
// registered, readable by people), and compared with the task Windows has
// (Export-ScheduledTask, normalised). Under --root only the file is written;
// the registration is shown with the exact command.
import type { Change, Context, Provider } from '../types.js';
import type { ScheduledTaskSpec } from './schema.js';
import { renderTaskXml, registrationXml } from './xml.js';
import { enabledInXml, modelFromSpec, modelFromXml, modelText, sameTask } from './model.js';
import { GET_TASK, REGISTER_TASK, RESTART_TASK, SET_TASK_ENABLED, UNREGISTER_TASK, taskParams } from './powershell.js';
import { contentChange, unifiedDiff } from '../shared/content-diff.js';
import { readManagedFile, removeManagedFile, writeManagedFile } from '../shared/managed-file.js';
import { underRoot } from '../shared/os-skip.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';

/** What Windows has for a task. */
export interface RegisteredTask {
  found: boolean;
  state?: string;
  xml?: string;
  userId?: string;
  groupId?: string;
}

export interface TaskObserved {
  /** The XML file converge keeps, or null. */
  copy: Buffer | null;
  /** What the Task Scheduler has; undefined under --root (not asked). */
  registered?: RegisteredTask;
}

/** Where converge keeps the XML it registers for a task. */
export function taskCopyPath(title: string): string {
  return `C:/ProgramData/converge/tasks${title.replace(/\\/g, '/')}.xml`;
}

/** Read what Windows has for a task. */
export async function getTask(ctx: Context, title: string): Promise<RegisteredTask> {
  const ps = await powershell(ctx);
  return (await ps.one<RegisteredTask>(GET_TASK, taskParams(title))) ?? { found: false };
}

/** Changes of a task's registration and enabled state, given what Windows has. Pure. */
export function registrationChanges(spec: ScheduledTaskSpec, xml: string, registered: RegisteredTask | undefined): Change[] {
  const params = taskParams(spec.scheduledTask);
  if (registered === undefined) {
    const command = `${psDisplay('Register-ScheduledTask', { ...params, Xml: `(Get-Content ${taskCopyPath(spec.scheduledTask)} -Raw)`, Force: true })}${spec.enabled === false ? `; ${psDisplay('Disable-ScheduledTask', params)}` : ''}`;
    const skipped = underRoot('the Windows Task Scheduler', command);
    // The registration first (its text is the reason shown); the ensure marks the task as one to create.
    return [
      { property: 'registration', from: null, to: spec.scheduledTask, skipped },
      { property: 'ensure', from: null, to: `task ${spec.scheduledTask}`, skipped },
    ];
  }
  if (!registered.found || !registered.xml) return [{ property: 'ensure', from: null, to: `task ${spec.scheduledTask}` }];
  const changes: Change[] = [];
  const want = modelFromSpec(spec);
  const have = modelFromXml(registered.xml, registered);
  if (!sameTask(want, have)) {
    changes.push({ property: 'definition', from: 'registered task', to: 'manifest', diff: unifiedDiff(spec.scheduledTask, modelText(have), modelText(want)) });
  }
  const enabled = registered.state ? registered.state !== 'Disabled' : enabledInXml(registered.xml);
  if (spec.enabled === true && !enabled) changes.push({ property: 'enabled', from: 'false', to: 'true' });
  else if (spec.enabled === false && enabled) changes.push({ property: 'enabled', from: 'true', to: 'false' });
  else if (spec.enabled === undefined && !enabled) {
    changes.push({ property: 'enabled', from: 'false', to: 'false', drift: true, skipped: 'disabled by hand on the machine: left disabled, since the manifest does not say enabled: true' });
  }
  return changes;
}

/** Register the task from its XML and set its enabled state (keeping a hand-disabled task disabled unless enabled: true). */
export async function registerTask(ctx: Context, spec: ScheduledTaskSpec, xml: string, before: RegisteredTask | undefined): Promise<void> {
  const ps = await powershell(ctx);
  const params = taskParams(spec.scheduledTask);
  const wasDisabled = before?.found === true && before.state === 'Disabled';
  await ps.invoke(REGISTER_TASK, { ...params, Xml: registrationXml(xml) });
  const keepDisabled = spec.enabled === false || (spec.enabled === undefined && wasDisabled);
  if (keepDisabled) await ps.invoke(SET_TASK_ENABLED, { ...params, Enabled: false });
}

/** The spec at run time: whether this run is under --root (diff is pure and cannot ask). */
export type TaskDesired = ScheduledTaskSpec & { sandboxed?: boolean };

export const scheduledTaskProvider: Provider<TaskDesired, TaskObserved> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    const copy = await readManagedFile(ctx, taskCopyPath(spec.scheduledTask));
    if (ctx.sandboxed) return copy ? { copy } : null;
    const registered = await getTask(ctx, spec.scheduledTask);
    if (!copy && !registered.found) return null;
    return { copy, registered };
  },

  diff(spec, observed) {
    const xml = renderTaskXml(spec);
    const changes: Change[] = [];
    const copy = contentChange(taskCopyPath(spec.scheduledTask), observed?.copy ?? null, Buffer.from(xml));
    if (copy) changes.push(copy);
    // Nothing observed: under --root nothing could be asked; on a real system nothing is registered.
    const registered = observed?.registered ?? (spec.sandboxed ? undefined : { found: false });
    changes.push(...registrationChanges(spec, xml, registered));
    return changes;
  },

  async apply(spec, changes, ctx) {
    const xml = renderTaskXml(spec);
    const path = taskCopyPath(spec.scheduledTask);
    if (changes.some((c) => c.property === 'content') || !(await readManagedFile(ctx, path))) await writeManagedFile(ctx, path, xml);
    if (ctx.sandboxed) return;
    const before = await getTask(ctx, spec.scheduledTask);
    if (changes.some((c) => c.property === 'ensure' || c.property === 'definition')) {
      await registerTask(ctx, spec, xml, before);
      return;
    }
    const enabled = changes.find((c) => c.property === 'enabled');
    if (enabled) await (await powershell(ctx)).invoke(SET_TASK_ENABLED, { ...taskParams(spec.scheduledTask), Enabled: enabled.to === 'true' });
  },

  async remove(spec, ctx) {
    await removeManagedFile(ctx, taskCopyPath(spec.scheduledTask));
    if (ctx.sandboxed) return;
    await (await powershell(ctx)).invoke(UNREGISTER_TASK, taskParams(spec.scheduledTask));
  },

  async refresh(spec, ctx) {
    if (ctx.sandboxed) {
      ctx.log.child({ component: 'scheduledTask' }).info({ task: spec.scheduledTask }, 'restart skipped under --root');
      return;
    }
    await (await powershell(ctx)).invoke(RESTART_TASK, taskParams(spec.scheduledTask));
  },
};

export type { Context };
