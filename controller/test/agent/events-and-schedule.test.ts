// Pure pieces of the agent: the commit message of each kind of event, what
// counts as news, and the interval as a cron schedule.
import { describe, expect, it } from 'vitest';
import { eventMessage } from '../../src/report/event-message.js';
import { signatureOf } from '../../src/agent/reporter.js';
import { backoff, cronFor } from '../../src/agent/schedule.js';
import type { Report, ResourceReport } from '../../src/report/report.js';
import { summarize, resultOf } from '../../src/report/report.js';

const C = '3f2a1bc9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3';

function report(resources: ResourceReport[], extra: Partial<Report> = {}): Report {
  const summary = summarize(resources);
  return {
    version: 1, host: 'motoko', agentVersion: '0.1.0', mode: 'apply', commit: C,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000,
    result: resultOf(summary), summary, resources, errors: [], ...extra,
  };
}

describe('event messages', () => {
  it('says what happened, as git log status shows it', () => {
    const changed = report([{ id: 'file:/a', status: 'changed' }, { id: 'file:/b', status: 'changed' }, { id: 'file:/c', status: 'unchanged' }]);
    expect(eventMessage({ report: changed, reason: 'commit', newCommit: true })).toBe('motoko: applied 3f2a1bc (2 changed)');
    expect(eventMessage({ report: report([{ id: 'file:/a', status: 'unchanged' }]), reason: 'commit', newCommit: true })).toBe('motoko: applied 3f2a1bc (in sync)');
    const healed = report([{ id: 'file:/etc/netdata/netdata.conf', status: 'changed', drift: true }]);
    expect(eventMessage({ report: healed, reason: 'drift', newCommit: false })).toBe('motoko: drift healed in file:/etc/netdata/netdata.conf');
    const many = report(['a', 'b', 'c', 'd'].map((x) => ({ id: `file:/${x}`, status: 'pending' as const, drift: true })), { mode: 'monitor' });
    expect(eventMessage({ report: many, reason: 'drift', newCommit: false, notHealedBecause: 'monitor mode' })).toBe('motoko: drift in file:/a, file:/b and 2 more (not changed: monitor mode)');
    const rejected = report([], { result: 'rejected', host: 'wintermute', commit: '9e8d7c6aaaa' });
    expect(eventMessage({ report: rejected, reason: 'commit', newCommit: true, rejectReason: 'unsigned' })).toBe('wintermute: rejected 9e8d7c6 (unsigned)');
    const invalid = report([], { result: 'failed', errors: ['hosts/motoko/ai.yml:4:5: unknown key mdoe'] });
    expect(eventMessage({ report: invalid, reason: 'commit', newCommit: true })).toBe('motoko: failed 3f2a1bc (hosts/motoko/ai.yml:4:5: unknown key mdoe)');
    const failed = report([{ id: 'file:/a', status: 'failed', error: 'EACCES' }]);
    expect(eventMessage({ report: failed, reason: 'interval', newCommit: false })).toBe('motoko: 1 failed at 3f2a1bc (file:/a)');
    expect(eventMessage({ report: changed, reason: 'heartbeat', newCommit: false })).toBe('motoko: heartbeat (changed at 3f2a1bc)');
  });
});

describe('what counts as news', () => {
  it('a heal and a quiet run leave the host in the same state; a new failure does not', () => {
    const quiet = report([{ id: 'file:/a', status: 'unchanged' }]);
    const healed = report([{ id: 'file:/a', status: 'changed', drift: true }]);
    const failing = report([{ id: 'file:/a', status: 'failed', error: 'EACCES' }]);
    expect(signatureOf(healed, C)).toBe(signatureOf(quiet, C));
    expect(signatureOf(failing, C)).not.toBe(signatureOf(quiet, C));
    expect(signatureOf(failing, C)).toBe(signatureOf({ ...failing, endedAt: '2027-01-01T00:00:00.000Z', durationMs: 5 }, C));
    expect(signatureOf(quiet, C)).not.toBe(signatureOf(quiet, 'another'));
  });
});

describe('schedule', () => {
  it('turns intervals into cron steps with a per-host offset, and says when it cannot', () => {
    expect(cronFor(15 * 60_000, 'motoko')).toMatch(/^\d{1,2} \d{1,2}-59\/15 \* \* \* \*$/);
    expect(cronFor(2000, 'motoko')).toMatch(/^[01]-59\/2 \* \* \* \* \*$/);
    expect(cronFor(6 * 3_600_000, 'atom')).toMatch(/^\d{1,2} \d{1,2} [0-5]-23\/6 \* \* \*$/);
    expect(cronFor(24 * 3_600_000, 'atom')).toMatch(/^\d{1,2} \d{1,2} \d{1,2} \* \* \*$/);
    expect(cronFor(7 * 60_000, 'motoko')).toBeNull();
    expect(cronFor(1500, 'motoko')).toBeNull();
    expect(cronFor(15 * 60_000, 'motoko')).toBe(cronFor(15 * 60_000, 'motoko'));
  });

  it('backs off by doubling, within ±20 %, up to a cap', () => {
    expect(backoff(1000, 0)).toBe(1000);
    for (let i = 0; i < 20; i++) {
      const d = backoff(1000, 3);
      expect(d).toBeGreaterThanOrEqual(6400);
      expect(d).toBeLessThanOrEqual(9600);
      expect(backoff(1000, 30)).toBeLessThanOrEqual(360_000);
    }
  });
});
