// The reports rollout gating reads: each host's status.json at the status
// branch tip, taken only from its own folder — a report in state/<host>/ that
// names another host cannot speak for it (it would open a ring for a canary
// that never applied the commit). An unmoved tip is not read again.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { git } from '../agent/support/origin.js';
import { statusBranchReports } from '../../src/report/report-source.js';

const doc = (host: string) => JSON.stringify({ host, endedAt: '2026-03-01T10:00:00Z', result: 'converged', event: `${host}: in sync`, applied: 'c'.repeat(40), errors: [], resources: [] });

describe('status-branch reports', () => {
  it('take each report only from its own host folder, and read an unmoved tip once', async () => {
    const dir = tempDir();
    const work = path.join(dir, 'work');
    git(dir, 'init', '-q', '-b', 'status', work);
    for (const [folder, host] of [['canary', 'canary'], ['mallory', 'canary'], ['s1', 's1']]) {
      mkdirSync(path.join(work, 'state', folder!), { recursive: true });
      writeFileSync(path.join(work, 'state', folder!, 'status.json'), doc(host!));
    }
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'reports');
    const source = statusBranchReports({ url: `file://${work}`, branch: 'status', dir: path.join(dir, 'cache') });
    const first = await source.read();
    expect(first.reports.map((r) => r.host).sort()).toEqual(['canary', 's1']);
    expect(first.statusCommit).toBe(git(work, 'rev-parse', 'HEAD').trim());
    expect(await source.read()).toBe(first);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'more');
    expect((await source.read()).statusCommit).toBe(git(work, 'rev-parse', 'HEAD').trim());
  });
});
