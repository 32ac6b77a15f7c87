// The launchd.plist of a job, as an object (compared parsed, key order
// ignored) and as XML (built with the plist package, Apple's DTD).
import { build, parse } from 'plist';
import type { LaunchdSpec } from './schema.js';

export type PlistObject = Record<string, unknown>;

/** Where the plist lives and in which launchd domain the job is loaded. */
export interface JobPlace {
  plistPath: string;
  /** `system`, or `gui/<uid>` (uid null while unknown: under --root). */
  domain: string;
  /** The agent's user, or the daemon's UserName. */
  user?: string;
  home: string;
}

/** The plist object for a job; `~` in paths expands to `home`. */
export function plistObject(spec: LaunchdSpec, home: string): PlistObject {
  const tilde = (p: string) => (p === '~' ? home : p.startsWith('~/') ? home + p.slice(1) : p);
  const o: PlistObject = { Label: spec.launchd };
  o.ProgramArguments = spec.program.map(tilde);
  if (spec.scope === 'daemon' && spec.user) o.UserName = spec.user;
  if (spec.scope === 'daemon' && spec.group) o.GroupName = spec.group;
  if (spec.workingDirectory) o.WorkingDirectory = tilde(spec.workingDirectory);
  if (spec.environment) o.EnvironmentVariables = { ...spec.environment };
  if (spec.runAtLoad !== undefined) o.RunAtLoad = spec.runAtLoad;
  if (spec.keepAlive !== undefined) {
    o.KeepAlive =
      typeof spec.keepAlive === 'boolean'
        ? spec.keepAlive
        : Object.fromEntries(
            Object.entries({ SuccessfulExit: spec.keepAlive.successfulExit, Crashed: spec.keepAlive.crashed, NetworkState: spec.keepAlive.networkState }).filter(([, v]) => v !== undefined),
          );
  }
  if (spec.startInterval !== undefined) o.StartInterval = spec.startInterval;
  if (spec.startCalendarInterval !== undefined) {
    const entry = (e: Record<string, number | undefined>) =>
      Object.fromEntries(Object.entries({ Minute: e.minute, Hour: e.hour, Day: e.day, Weekday: e.weekday, Month: e.month }).filter(([, v]) => v !== undefined));
    o.StartCalendarInterval = Array.isArray(spec.startCalendarInterval) ? spec.startCalendarInterval.map(entry) : entry(spec.startCalendarInterval);
  }
  if (spec.watchPaths) o.WatchPaths = spec.watchPaths.map(tilde);
  if (spec.throttleInterval !== undefined) o.ThrottleInterval = spec.throttleInterval;
  if (spec.standardOutPath) o.StandardOutPath = tilde(spec.standardOutPath);
  if (spec.standardErrorPath) o.StandardErrorPath = tilde(spec.standardErrorPath);
  if (spec.processType) o.ProcessType = spec.processType;
  if (spec.lowPriorityIO !== undefined) o.LowPriorityIO = spec.lowPriorityIO;
  if (spec.nice !== undefined) o.Nice = spec.nice;
  for (const [k, v] of Object.entries(spec.extra ?? {})) if (!(k in o)) o[k] = v;
  return o;
}

/** The XML of a plist object (keys sorted at every level, so equal objects give equal bytes). */
export function plistXml(o: PlistObject): string {
  return build(sortKeys(o) as Parameters<typeof build>[0]) + '\n';
}

/** Parse plist XML; null when it is not a plist dictionary. */
export function parsePlist(text: string): PlistObject | null {
  try {
    const v = parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as PlistObject) : null;
  } catch {
    return null;
  }
}

/** Equal as plists: same keys and values, whatever the key order. */
export function samePlist(a: PlistObject | null, b: PlistObject): boolean {
  return a !== null && JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
