// A task as converge compares it: the parts a manifest says, with Windows'
// defaults filled in and its many spellings reduced to one. Built from the
// manifest (desired) or from exported task XML (observed); registration
// date, author, URI, security descriptor, idle settings and priority are not
// part of it, so a task registered by hand or by an older converge compares
// equal when it does the same thing.
import { XMLParser } from 'fast-xml-parser';
import type { ScheduledTaskSpec, TaskTrigger } from './schema.js';
import { canonicalPrincipal } from './principal.js';
import { canonicalDuration, isoFromSeconds, isoSeconds } from '../shared/iso-duration.js';

export type TriggerModel =
  | { type: 'boot'; delay: string; enabled: boolean }
  | { type: 'logon'; user: string | null; delay: string; enabled: boolean }
  | { type: 'daily'; at: string; every: number; enabled: boolean }
  | { type: 'weekly'; at: string; every: number; days: string[]; enabled: boolean }
  | { type: 'interval'; every: string; enabled: boolean }
  | { type: 'other'; element: string; enabled: boolean };

export interface ExecModel {
  command: string;
  arguments: string;
  workingDirectory: string;
}

export interface TaskModel {
  description: string;
  runAs: string;
  runLevel: 'LeastPrivilege' | 'HighestAvailable';
  /** How a named user's task logs on (InteractiveToken for converge's tasks); null for SYSTEM and groups. */
  logonType: string | null;
  triggers: TriggerModel[];
  actions: ExecModel[];
  multipleInstancesPolicy: string;
  disallowStartIfOnBatteries: boolean;
  stopIfGoingOnBatteries: boolean;
  executionTimeLimit: string;
  startWhenAvailable: boolean;
  hidden: boolean;
  wakeToRun: boolean;
  restartOnFailure: { interval: string; count: number } | null;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const POLICY: Record<ScheduledTaskSpec['multipleInstances'], string> = { ignoreNew: 'IgnoreNew', parallel: 'Parallel', queue: 'Queue', stopExisting: 'StopExisting' };

/** The model of what a manifest asks for. */
export function modelFromSpec(spec: ScheduledTaskSpec): TaskModel {
  const runAs = spec.runAs === 'SYSTEM' ? 'SYSTEM' : spec.runAs === 'users' ? 'Users' : canonicalPrincipal(spec.runAs)!;
  return {
    description: (spec.description ?? '').trim(),
    runAs,
    runLevel: spec.runLevel === 'highest' ? 'HighestAvailable' : 'LeastPrivilege',
    logonType: runAs === 'SYSTEM' || runAs === 'Users' ? null : 'InteractiveToken',
    triggers: spec.triggers.map(triggerFromSpec),
    actions: [{ command: winPath(spec.command), arguments: spec.arguments ?? '', workingDirectory: spec.workingDirectory ? winPath(spec.workingDirectory) : '' }],
    multipleInstancesPolicy: POLICY[spec.multipleInstances],
    disallowStartIfOnBatteries: !spec.runOnBatteries,
    stopIfGoingOnBatteries: !spec.runOnBatteries,
    executionTimeLimit: canonicalDuration(spec.executionTimeLimit),
    startWhenAvailable: spec.startWhenAvailable,
    hidden: spec.hidden,
    wakeToRun: false,
    restartOnFailure: spec.restartOnFailure ? { interval: canonicalDuration(spec.restartOnFailure.every), count: spec.restartOnFailure.count } : null,
  };
}

function triggerFromSpec(t: TaskTrigger): TriggerModel {
  if ('boot' in t) return { type: 'boot', delay: canonicalDuration(t.boot.delay ?? 'PT0S'), enabled: true };
  if ('logon' in t) return { type: 'logon', user: canonicalPrincipal(t.logon.user), delay: canonicalDuration(t.logon.delay ?? 'PT0S'), enabled: true };
  if ('daily' in t) return { type: 'daily', at: timeOfDay(t.daily.at), every: t.daily.every, enabled: true };
  if ('weekly' in t) return { type: 'weekly', at: timeOfDay(t.weekly.at), every: t.weekly.every, days: sortDays(t.weekly.days), enabled: true };
  return { type: 'interval', every: canonicalDuration(t.interval.every), enabled: true };
}

/** Whether the exported XML says the task is enabled (Settings/Enabled, default true). */
export function enabledInXml(xml: string): boolean {
  const task = parseTaskXml(xml);
  return bool(task.Settings?.Enabled, true);
}

/** The model of exported task XML, defaults filled in; `principal` is what Get-ScheduledTask reported, when known. */
export function modelFromXml(xml: string, principal?: { userId?: string | null; groupId?: string | null }): TaskModel {
  const task = parseTaskXml(xml);
  const p = first(task.Principals?.Principal) ?? {};
  const user = canonicalPrincipal(str(p.UserId) || principal?.userId || null);
  const group = canonicalPrincipal(str(p.GroupId) || principal?.groupId || null);
  const runAs = group ?? user ?? 'unknown';
  const s = task.Settings ?? {};
  const restart = s.RestartOnFailure;
  return {
    description: str(task.RegistrationInfo?.Description).trim(),
    runAs,
    runLevel: str(p.RunLevel) === 'HighestAvailable' ? 'HighestAvailable' : 'LeastPrivilege',
    logonType: runAs === 'SYSTEM' || runAs === 'Users' || group ? null : str(p.LogonType) || 'InteractiveToken',
    triggers: triggersFromXml(task.Triggers ?? {}),
    actions: all(task.Actions?.Exec).map((e) => ({
      command: winPath(str(e.Command)),
      arguments: str(e.Arguments),
      workingDirectory: e.WorkingDirectory ? winPath(str(e.WorkingDirectory)) : '',
    })),
    multipleInstancesPolicy: str(s.MultipleInstancesPolicy) || 'IgnoreNew',
    disallowStartIfOnBatteries: bool(s.DisallowStartIfOnBatteries, true),
    stopIfGoingOnBatteries: bool(s.StopIfGoingOnBatteries, true),
    // Task Scheduler's default limit when the element is absent is 72 hours.
    executionTimeLimit: duration(s.ExecutionTimeLimit, 'PT72H'),
    startWhenAvailable: bool(s.StartWhenAvailable, false),
    hidden: bool(s.Hidden, false),
    wakeToRun: bool(s.WakeToRun, false),
    restartOnFailure: restart ? { interval: duration(restart.Interval, 'PT0S'), count: Number(str(restart.Count) || 0) } : null,
  };
}

/** Equal models mean the registered task does what the manifest says. */
export function sameTask(a: TaskModel, b: TaskModel): boolean {
  return modelText(a) === modelText(b);
}

/** The model as lines for people; also what is compared (so a diff of these texts is the difference). */
export function modelText(m: TaskModel): string {
  const lines = [
    `description: ${m.description || '(none)'}`,
    `run as: ${m.runAs}${m.logonType ? ` (${m.logonType})` : ''}, ${m.runLevel === 'HighestAvailable' ? 'highest privileges' : 'least privilege'}`,
    ...m.actions.map((a) => `run: ${a.command}${a.arguments ? ` ${a.arguments}` : ''}${a.workingDirectory ? ` (in ${a.workingDirectory})` : ''}`),
    ...m.triggers.map(triggerText).sort(),
    `execution time limit: ${m.executionTimeLimit === 'PT0S' ? 'none' : m.executionTimeLimit}`,
    `on batteries: ${m.disallowStartIfOnBatteries ? 'does not start' : 'starts'}, ${m.stopIfGoingOnBatteries ? 'stops' : 'keeps running'}`,
    `another instance: ${m.multipleInstancesPolicy}`,
    `start when available: ${m.startWhenAvailable ? 'yes' : 'no'}`,
    `hidden: ${m.hidden ? 'yes' : 'no'}`,
    `wake to run: ${m.wakeToRun ? 'yes' : 'no'}`,
    `restart on failure: ${m.restartOnFailure ? `every ${m.restartOnFailure.interval}, ${m.restartOnFailure.count} times` : 'no'}`,
  ];
  return lines.join('\n') + '\n';
}

function triggerText(t: TriggerModel): string {
  const off = t.enabled ? '' : ' (trigger disabled)';
  switch (t.type) {
    case 'boot':
      return `trigger: at start-up${t.delay !== 'PT0S' ? `, after ${t.delay}` : ''}${off}`;
    case 'logon':
      return `trigger: at logon of ${t.user ?? 'any user'}${t.delay !== 'PT0S' ? `, after ${t.delay}` : ''}${off}`;
    case 'daily':
      return `trigger: every ${t.every === 1 ? 'day' : `${t.every} days`} at ${t.at}${off}`;
    case 'weekly':
      return `trigger: every ${t.every === 1 ? 'week' : `${t.every} weeks`} on ${t.days.join(', ')} at ${t.at}${off}`;
    case 'interval':
      return `trigger: every ${t.every}${off}`;
    default:
      return `trigger: ${t.element} (not managed by converge)${off}`;
  }
}

// ---- XML reading (lenient: this is Windows' output) ----

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, trimValues: true, removeNSPrefix: true });

/** The Task element of task XML. */
export function parseTaskXml(xml: string): Node {
  const doc = parser.parse(xml.replace(/^\uFEFF/, '')) as Node;
  const task = doc.Task as Node | undefined;
  if (!task || typeof task !== 'object') throw new Error('not task XML: no <Task> element');
  return task;
}

function triggersFromXml(triggers: Node): TriggerModel[] {
  const out: TriggerModel[] = [];
  for (const [name, value] of Object.entries(triggers)) {
    if (name.startsWith('@_')) continue;
    for (const t of all(value)) {
      const enabled = bool(t.Enabled, true);
      if (name === 'BootTrigger') out.push({ type: 'boot', delay: duration(t.Delay, 'PT0S'), enabled });
      else if (name === 'LogonTrigger') out.push({ type: 'logon', user: canonicalPrincipal(str(t.UserId) || null), delay: duration(t.Delay, 'PT0S'), enabled });
      else if (name === 'CalendarTrigger' && t.ScheduleByDay) {
        out.push({ type: 'daily', at: boundaryTime(t.StartBoundary), every: Number(str(t.ScheduleByDay.DaysInterval) || 1), enabled });
      } else if (name === 'CalendarTrigger' && t.ScheduleByWeek) {
        const days = Object.keys(t.ScheduleByWeek.DaysOfWeek ?? {}).map((d) => d.toLowerCase()).filter((d) => DAYS.includes(d));
        out.push({ type: 'weekly', at: boundaryTime(t.StartBoundary), every: Number(str(t.ScheduleByWeek.WeeksInterval) || 1), days: sortDays(days), enabled });
      } else if (name === 'TimeTrigger' && t.Repetition?.Interval && !str(t.Repetition.Duration)) {
        out.push({ type: 'interval', every: duration(t.Repetition.Interval, 'PT0S'), enabled });
      } else out.push({ type: 'other', element: name, enabled });
    }
  }
  return out;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return str((v as Node)['#text']);
  return String(v);
}

function bool(v: unknown, dflt: boolean): boolean {
  const s = str(v).trim().toLowerCase();
  return s === '' ? dflt : s === 'true' || s === '1';
}

function duration(v: unknown, dflt: string): string {
  const seconds = isoSeconds(str(v));
  return seconds === null ? dflt : isoFromSeconds(seconds);
}

function all(v: unknown): Node[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' && x !== null ? (x as Node) : {}));
}

function first(v: unknown): Node | undefined {
  return all(v)[0];
}

/** The time of day of a StartBoundary (date and zone dropped): HH:MM:SS. */
function boundaryTime(v: unknown): string {
  const m = /T(\d{2}:\d{2})(:\d{2})?/.exec(str(v));
  return m ? `${m[1]}${m[2] ?? ':00'}` : '00:00:00';
}

function timeOfDay(at: string): string {
  return at.length === 5 ? `${at}:00` : at;
}

function sortDays(days: string[]): string[] {
  return [...new Set(days)].sort((a, b) => DAYS.indexOf(a) - DAYS.indexOf(b));
}

/** A Windows path as compared: backslashes, lower case. */
function winPath(p: string): string {
  return p.replace(/\//g, '\\').toLowerCase();
}
