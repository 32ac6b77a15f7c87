// The rollout arithmetic with the clock passed in (never slept): soak counts
// from when a host applied, the threshold is a share of the ring, failures
// past maxUnavailable halt this ring and every later one, refusals still
// count after the host reported again on its old commit, and reports that
// cannot be trusted count for nothing.
import { describe, expect, it } from 'vitest';
import { gateFor, rolloutProgress } from '../../src/rollout/progress.js';
import type { FleetRings } from '../../src/manifest/fleet-rings.js';
import type { SourcedReport } from '../../src/report/report-source.js';
import type { StatusDocument } from '../../src/report/status-document.js';

const T = 'c'.repeat(40);
const OLD = 'b'.repeat(40);
const HOUR = 3_600_000;

const fleet: FleetRings = {
  rings: [
    { name: 'canary', successThreshold: 100, soakMs: HOUR, maxUnavailable: 0 },
    { name: 'servers', successThreshold: 50, soakMs: 0, maxUnavailable: 1 },
    { name: 'laptops', successThreshold: 100, soakMs: 0, maxUnavailable: 0 },
  ],
  members: new Map([['c1', 'canary'], ['s1', 'servers'], ['s2', 'servers'], ['s3', 'servers'], ['l1', 'laptops']]),
};

function report(host: string, fields: Partial<StatusDocument>, verified = true): SourcedReport {
  const doc = { host, result: 'converged', commit: T, applied: T, appliedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:00:00.000Z', errors: [], ...fields } as StatusDocument;
  return { host, doc, verified, reason: verified ? 'signed' : 'signature does not match s1' };
}

const at = (iso: string) => new Date(iso);

describe('rollout progress', () => {
  it('opens the next ring only after the soak, and says when it opens', () => {
    const reports = [report('c1', {})];
    const early = rolloutProgress({ fleet, commit: T, reports, statusCommit: 'f'.repeat(40), now: at('2026-03-01T10:59:59Z') });
    expect(early.rings[0]).toMatchObject({ healthy: 0, needed: 1, done: false, doneAt: '2026-03-01T11:00:00.000Z' });
    expect(early.rings[0]!.hosts[0]).toMatchObject({ state: 'soaking', healthyAt: '2026-03-01T11:00:00.000Z' });
    expect(gateFor(early, 'servers')).toEqual({
      open: false,
      halted: false,
      ring: 'canary',
      opensAt: '2026-03-01T11:00:00.000Z',
      reason: 'waiting for ring canary: 0 of 1 applied ccccccc and healthy for 1h, 1 needed (100%); opens at 2026-03-01T11:00:00.000Z',
    });
    expect(gateFor(early, 'canary')).toEqual({ open: true });
    const later = rolloutProgress({ fleet, commit: T, reports, statusCommit: null, now: at('2026-03-01T11:00:00Z') });
    expect(gateFor(later, 'servers')).toEqual({ open: true });
    // laptops wait for servers (50% of 3 = 2 healthy), not for the canary
    expect(gateFor(later, 'laptops')).toMatchObject({ open: false, ring: 'servers', opensAt: null });
    const two = rolloutProgress({ fleet, commit: T, reports: [...reports, report('s1', {}), report('s3', {})], statusCommit: null, now: at('2026-03-01T11:00:00Z') });
    expect(gateFor(two, 'laptops')).toEqual({ open: true });
  });

  it('halts on failures past maxUnavailable, in that ring and every later one', () => {
    const now = at('2026-03-02T00:00:00Z');
    const oneDown = [report('c1', {}), report('s1', { result: 'failed' }), report('s2', {}), report('s3', {})];
    expect(gateFor(rolloutProgress({ fleet, commit: T, reports: oneDown, statusCommit: null, now }), 'laptops')).toEqual({ open: true });
    // a refusal is remembered in later reports about the old commit
    const twoDown = [...oneDown.slice(0, 3), report('s3', { commit: OLD, applied: OLD, refused: [{ commit: T, reason: 'rolled back', at: '' }] })];
    const p = rolloutProgress({ fleet, commit: T, reports: twoDown, statusCommit: null, now });
    expect(p.rings[1]).toMatchObject({ failed: 2, halted: true, done: false });
    const held = gateFor(p, 'laptops');
    expect(held).toMatchObject({ open: false, halted: true, ring: 'servers' });
    expect(held.open || held.reason).toBe('rollout halted in ring servers: 2 of 3 failed ccccccc (maxUnavailable 1) — s1: failed; s3: rolled back; a newer commit starts a new rollout');
    // the rest of the halted ring holds too
    expect(gateFor(p, 'servers')).toMatchObject({ open: false, halted: true });
    // a failing check after the apply is a failure
    const check = [report('c1', { checks: [{ name: 'tcp:4000', kind: 'tcp', status: 'failed', message: 'connection refused', durationMs: 1 }] })];
    expect(gateFor(rolloutProgress({ fleet, commit: T, reports: check, statusCommit: null, now }), 'servers')).toMatchObject({ halted: true, reason: expect.stringContaining('c1: converged, check tcp:4000 failed (connection refused)') });
  });

  it('counts an unverified report for nothing, and a host that has not reported as not done', () => {
    const now = at('2026-03-02T00:00:00Z');
    const fleet1: FleetRings = { rings: [fleet.rings[1]!, fleet.rings[2]!], members: new Map([['s1', 'servers'], ['l1', 'laptops']]) };
    const p = rolloutProgress({ fleet: fleet1, commit: T, reports: [report('s1', {}, false)], statusCommit: null, now });
    expect(p.rings[0]!.hosts).toEqual([{ host: 's1', state: 'unverified', detail: 'signature does not match s1', applied: T }]);
    expect(gateFor(p, 'laptops')).toMatchObject({ open: false, reason: expect.stringMatching(/^waiting for ring servers: 0 of 1/) });
    const none = rolloutProgress({ fleet: fleet1, commit: T, reports: [], statusCommit: null, now });
    expect(none.rings[0]!.hosts[0]!.state).toBe('unreported');
  });
});
