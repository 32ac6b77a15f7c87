// Is a maintenance window open at an instant, and when does it open next?
// Local start times are turned into instants through Intl for the window's
// IANA zone, day by day, so a window stays at 02:00 local across DST changes
// (a start inside the hour clocks skip opens when that hour would have: the
// offset before the jump is used). The length is elapsed time. Pure: the
// clock is passed in.
import type { MaintenanceWindow } from '../manifest/window-schema.js';
import { WEEKDAYS } from '../manifest/window-schema.js';
import { durationToMs } from '../platform/duration-ms.js';

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date };

/** The window at `now`. */
export function windowState(window: Pick<MaintenanceWindow, 'days' | 'start' | 'length' | 'timeZone'>, now: Date): WindowState {
  const lengthMs = durationToMs(window.length);
  const [hh, mm] = window.start.split(':').map(Number) as [number, number];
  const today = localDate(now, window.timeZone);
  let next: Date | null = null;
  // A window that opened yesterday (or earlier, for long ones) may still be open.
  const back = Math.ceil(lengthMs / 86_400_000) + 1;
  for (let offset = -back; offset <= 8; offset++) {
    const day = addDays(today, offset);
    if (window.days && !window.days.includes(WEEKDAYS[day.weekday]!)) continue;
    const start = zonedInstant(day.y, day.m, day.d, hh, mm, window.timeZone);
    const end = new Date(start.getTime() + lengthMs);
    if (start <= now && now < end) return { open: true, closesAt: end };
    if (start > now && (!next || start < next)) next = start;
  }
  return { open: false, opensAt: next! };
}

interface LocalDay {
  y: number;
  m: number;
  d: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(instant: Date, zone: string): Record<string, number> {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

function localDate(instant: Date, zone: string): LocalDay {
  const p = parts(instant, zone);
  return dayOf(p.year!, p.month!, p.day!);
}

function dayOf(y: number, m: number, d: number): LocalDay {
  const t = new Date(Date.UTC(y, m - 1, d));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), weekday: t.getUTCDay() };
}

function addDays(day: LocalDay, n: number): LocalDay {
  return dayOf(day.y, day.m, day.d + n);
}

/** How far `zone` is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, zone: string): number {
  const p = parts(new Date(instant), zone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant the wall clock of `zone` reads y-m-d hh:mm. */
export function zonedInstant(y: number, m: number, d: number, hh: number, mm: number, zone: string): Date {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  // In a skipped hour the two guesses disagree: take the earlier offset (the one before the jump).
  return new Date(offsetAt(second, zone) === offsetAt(first, zone) ? second : Math.max(first, second));
}
