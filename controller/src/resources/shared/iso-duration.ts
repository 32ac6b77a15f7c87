// Durations as Windows (Task Scheduler, ISO 8601: PT15M, P1D) and people
// (15m, 72h) write them. Manifests may use either; converge writes ISO.
import { z } from '../../platform/zod.js';

const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const FRIENDLY = /^(\d+)(s|m|h|d)$/;

/** Seconds of an ISO 8601 duration (days and smaller), or null when it is not one. */
export function isoSeconds(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = ISO.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim() === 'PT') return null;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

/** The canonical ISO form of a number of seconds, in hours at most: PT0S, PT15M, PT72H (for P3D). */
export function isoFromSeconds(total: number): string {
  if (total === 0) return 'PT0S';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
}

/** A duration in its canonical form (PT72H for P3D). */
export function canonicalDuration(text: string): string {
  const seconds = isoSeconds(text);
  return seconds === null ? text : isoFromSeconds(seconds);
}

/** A duration field: ISO 8601 (PT15M) or 15m / 72h / 30s / 1d; parsed to canonical ISO. */
export const IsoDuration = z
  .string({ error: 'must be a duration like PT15M or 15m' })
  .transform((text, ctx) => {
    const friendly = FRIENDLY.exec(text.trim());
    const seconds = friendly ? Number(friendly[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[friendly[2] as 's' | 'm' | 'h' | 'd'] : isoSeconds(text);
    if (seconds === null) {
      ctx.addIssue({ code: 'custom', message: `'${text}' is not a duration: write PT15M, P1D, 15m, 72h or 30s` });
      return z.NEVER;
    }
    return isoFromSeconds(seconds);
  });
