// converge status against repositories as an operator may find them: no
// status branch yet, a status.json broken by hand, a --repo that is no clone.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet, git } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const good = (host: string) => JSON.stringify({ host, endedAt: new Date().toISOString(), result: 'converged', event: `${host}: applied 1234567 (1 changed)`, applied: null, resources: [], errors: [] });

describe('converge status', () => {
  it('shows the hosts whose status.json it can read and skips the broken ones, without an internal error', () => {
    const fleet = createFleet({ 'hosts/a/host.yml': 'os: linux\n' });
    expect(converge(['status', '--repo', fleet.dir]).stdout).toContain('status at (no reports yet); 0 hosts');
    git(fleet.dir, 'checkout', '-q', '--orphan', 'status');
    git(fleet.dir, 'rm', '-rqf', '.');
    fleet.commit({
      'state/good/status.json': good('good'),
      'state/torn/status.json': '{"host": "torn", ',
      'state/list/status.json': '[1, 2, 3]',
      'state/bare/status.json': JSON.stringify({ host: 'bare', result: 42 }),
      'state/odd/status.json': JSON.stringify({ ...JSON.parse(good('odd')), resources: [null, 5] }),
    });
    git(fleet.dir, 'checkout', '-q', 'main');
    for (const args of [[], ['--json']]) {
      const r = converge(['status', '--repo', fleet.dir, ...args]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
    // Every host folder is a row (its name from the path); only the readable report has a result.
    const json = JSON.parse(converge(['status', '--repo', fleet.dir, '--json']).stdout) as { hosts: { host: string; result: string; reason: string }[] };
    expect(json.hosts.map((h) => [h.host, h.result])).toEqual([['bare', 'unknown'], ['good', 'converged'], ['list', 'unknown'], ['odd', 'unknown'], ['torn', 'unknown']]);
    expect(json.hosts.find((h) => h.host === 'torn')!.reason).toMatch(/^status\.json does not parse as a report; /);
  });

  it('names a --repo that is a file or does not exist', () => {
    const file = path.join(tempDir(), 'a-file');
    writeFileSync(file, '');
    for (const repo of [file, path.join(path.dirname(file), 'missing')]) {
      const r = converge(['status', '--repo', repo]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim()).toBe(`converge: --repo ${repo}: no such directory (pass a clone of the fleet repository, or its URL)`);
    }
  });
});
