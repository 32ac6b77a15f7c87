// Maintenance windows open and close on local time in their IANA zone, across
// DST changes, with the clock passed in (never slept). A deferIf check that
// holds postpones an apply inside the window, up to maxDefer.
import { describe, expect, it } from 'vitest';
import { windowState } from '../../src/agent/window.js';
import { windowGate } from '../../src/agent/window-gate.js';
import { MaintenanceWindow } from '../../src/manifest/window-schema.js';
import { createRunner } from '../../src/platform/runner.js';

const at = (iso: string) => new Date(iso);
const berlin = { start: '04:00', length: '1h', timeZone: 'Europe/Berlin' };

describe('maintenance windows', () => {
  it('stay at 04:00 local in Berlin across the spring change (CET → CEST on 2026-03-29)', () => {
    expect(windowState(berlin, at('2026-03-28T12:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-29T02:00:00Z') });
    expect(windowState(berlin, at('2026-03-28T03:30:00Z'))).toEqual({ open: true, closesAt: at('2026-03-28T04:00:00Z') });
    expect(windowState(berlin, at('2026-03-29T01:59:59Z'))).toMatchObject({ open: false });
    expect(windowState(berlin, at('2026-03-29T02:00:00Z'))).toEqual({ open: true, closesAt: at('2026-03-29T03:00:00Z') });
    expect(windowState(berlin, at('2026-03-29T03:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-30T02:00:00Z') });
  });

  it('and across the autumn change (CEST → CET on 2026-10-25)', () => {
    expect(windowState(berlin, at('2026-10-24T12:00:00Z'))).toEqual({ open: false, opensAt: at('2026-10-25T03:00:00Z') });
    expect(windowState(berlin, at('2026-10-25T03:59:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T04:00:00Z') });
  });

  it('open at the hour clocks skip as if the jump came after it', () => {
    const skipped = { start: '02:30', length: '30m', timeZone: 'Europe/Berlin' };
    expect(windowState(skipped, at('2026-03-29T00:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-29T01:30:00Z') });
  });

  it('keep only their days, and a window over midnight is open on the next day too', () => {
    const saturdayNight = { days: ['sat' as const], start: '23:00', length: '3h', timeZone: 'America/New_York' };
    // Sunday 2026-03-08 01:00 EST (06:00Z) is inside Saturday's window; DST starts there at 02:00.
    expect(windowState(saturdayNight, at('2026-03-08T06:00:00Z'))).toEqual({ open: true, closesAt: at('2026-03-08T07:00:00Z') });
    // Monday: the next opening is Saturday 23:00 EDT.
    expect(windowState(saturdayNight, at('2026-03-09T12:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-15T03:00:00Z') });
  });

  it('reject a zone Intl does not know and a start that is not HH:MM', () => {
    const bad = MaintenanceWindow.safeParse({ start: '2am', length: '1h', timeZone: 'Mars/Olympus' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual(['start must be a local time like "02:00" (24-hour, quoted)', 'timeZone must be an IANA time zone like Europe/Berlin or UTC']);
  });

  it('defer an apply inside the window while a check holds, up to maxDefer from the first deferral', async () => {
    const runner = createRunner('linux');
    const window = MaintenanceWindow.parse({ start: '00:00', length: '24h', deferIf: [{ command: 'exit 1' }, { command: 'true' }], maxDefer: '2h' });
    const memory = {};
    const first = await windowGate(window, 'c1', memory, at('2026-05-01T10:00:00Z'), runner);
    expect(first).toEqual({ kind: 'deferred', note: { reason: 'deferred: deferIf command exited 0 (true) (at most until 2026-05-01T12:00:00.000Z)', opensAt: '2026-05-01T12:00:00.000Z' } });
    expect(await windowGate(window, 'c1', memory, at('2026-05-01T11:59:00Z'), runner)).toMatchObject({ kind: 'deferred' });
    expect(await windowGate(window, 'c1', memory, at('2026-05-01T12:00:00Z'), runner)).toMatchObject({ kind: 'open', note: expect.stringContaining('maxDefer 2h reached') });
    // a newer commit is deferred afresh
    expect(await windowGate(window, 'c2', memory, at('2026-05-01T12:00:00Z'), runner)).toMatchObject({ kind: 'deferred' });
    const idle = MaintenanceWindow.parse({ start: '00:00', length: '24h', deferIf: [{ process: 'no-such-process-x' }] });
    expect(await windowGate(idle, 'c1', {}, at('2026-05-01T10:00:00Z'), runner)).toEqual({ kind: 'open' });
  });
});
