import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { IsoDuration } from '../shared/iso-duration.js';

/** `\folder\name`: backslashes (forward slashes are turned into them), one leading backslash. */
export function normalizeTaskPath(text: string): string {
  const parts = text.replace(/\//g, '\\').split('\\').filter(Boolean);
  return '\\' + parts.join('\\');
}

const TaskPath = z
  .string({ error: 'must be the task path, like \\converge\\vllm' })
  .transform(normalizeTaskPath)
  .refine((p) => p.length > 1, { error: 'must name a task, like \\converge\\vllm' })
  .refine((p) => !/[<>:"|?*]/.test(p), { error: 'a task path may not contain < > : " | ? *' });

const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, { error: 'must be a time of day like 03:00' });
const Weekday = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);

/** When the task starts. Exactly one key per trigger. */
export const TaskTrigger = z.union([
  z.strictObject({ boot: z.strictObject({ delay: IsoDuration.optional() }).describe('at system start-up') }),
  z.strictObject({
    logon: z
      .strictObject({ user: z.string().optional().describe('only this user (default: any user)'), delay: IsoDuration.optional() })
      .describe('when a user logs on'),
  }),
  z.strictObject({ daily: z.strictObject({ at: TimeOfDay, every: z.number().int().min(1).max(365).default(1).describe('every N days') }) }),
  z.strictObject({
    weekly: z.strictObject({ at: TimeOfDay, days: z.array(Weekday).min(1), every: z.number().int().min(1).max(52).default(1).describe('every N weeks') }),
  }),
  z.strictObject({ interval: z.strictObject({ every: IsoDuration.describe('repeat every, e.g. PT15M') }).describe('repeat forever from a fixed start') }),
]);
export type TaskTrigger = z.infer<typeof TaskTrigger>;

/** Who the task runs as. */
export const RunAs = z
  .union([z.literal('SYSTEM'), z.literal('users'), z.string().regex(/^[A-Za-z0-9_.-]+(\\[A-Za-z0-9_.$-]+)?$/, { error: 'runAs must be SYSTEM, users, or a user name' })])
  .default('SYSTEM');

/** A Windows Task Scheduler task, rendered to canonical task XML and registered. */
export const ScheduledTaskSpec = z.strictObject({
  scheduledTask: TaskPath.describe('task path and name, like \\converge\\vllm'),
  ensure: Ensure,
  description: z.string().optional(),
  command: z.string({ error: 'command is required: the program the task runs' }).min(1).describe('program to run (a full path, or one on the system PATH)'),
  arguments: z.string().optional().describe('its command line arguments, as one string'),
  workingDirectory: z.string().optional(),
  runAs: RunAs.describe('SYSTEM (default), users (the Users group, in each logged-on session, least privilege) or a user name'),
  runLevel: z.enum(['limited', 'highest']).default('limited'),
  triggers: z.array(TaskTrigger).min(1, { error: 'a task needs at least one trigger' }).max(48),
  enabled: z.boolean().optional().describe('true re-enables a task disabled by hand; false disables it; unset reports a hand-disabled task without touching it'),
  executionTimeLimit: IsoDuration.default('PT72H').describe('stop the task after this long; PT0S for never (always written explicitly)'),
  runOnBatteries: z.boolean().default(true).describe('start and keep running on battery power (always written explicitly)'),
  multipleInstances: z.enum(['ignoreNew', 'parallel', 'queue', 'stopExisting']).default('ignoreNew'),
  restartOnFailure: z.strictObject({ every: IsoDuration, count: z.number().int().min(1).max(999) }).optional(),
  startWhenAvailable: z.boolean().default(false).describe('run a missed start as soon as possible'),
  hidden: z.boolean().default(false),
  ...commonFields,
});
export type ScheduledTaskSpec = z.infer<typeof ScheduledTaskSpec>;
