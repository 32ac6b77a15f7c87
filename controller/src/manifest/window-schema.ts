// host.yml `window:`: when a new commit may be applied (DESIGN §4 Maintenance
// windows). Outside it the agent verifies and plans, and waits; `deferIf`
// postpones an apply inside it while the machine is busy, up to `maxDefer`.
import { z } from '../platform/zod.js';
import { DurationText } from '../platform/duration.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A deferIf check: the machine is busy while it holds. */
export const DeferCheck = z
  .strictObject({
    command: z.string().min(1).optional().describe('busy while this script exits 0'),
    unit: z.string().min(1).optional().describe('Linux: busy while this systemd unit is active'),
    process: z.string().min(1).optional().describe('busy while a process of this name runs (pgrep -x; Windows: Get-Process)'),
  })
  .refine((c) => [c.command, c.unit, c.process].filter((v) => v !== undefined).length === 1, { error: 'a deferIf check is exactly one of command, unit, process' });
export type DeferCheck = z.infer<typeof DeferCheck>;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const MaintenanceWindow = z.strictObject({
  days: z.array(z.enum(WEEKDAYS, { error: 'a day is one of sun, mon, tue, wed, thu, fri, sat' })).min(1).optional().describe('days the window opens (default: every day)'),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'start must be a local time like "02:00" (24-hour, quoted)' }).describe('local time the window opens, HH:MM'),
  length: DurationText.describe('how long it stays open (elapsed time, so DST changes do not stretch it)'),
  timeZone: z.string().refine(validZone, { error: 'timeZone must be an IANA time zone like Europe/Berlin or UTC' }).default('UTC').describe('IANA time zone of start (default UTC)'),
  healOutsideWindow: z.boolean().default(true).describe('heal drift outside the window too (default true); false: drift is only reported there'),
  deferIf: z.array(DeferCheck).default([]).describe('inside the window, postpone an apply while any of these holds'),
  maxDefer: DurationText.default('4h').describe('longest a deferIf postpones an apply, counted from the first deferral of that commit'),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;
