// Commit statuses at fleet scale, through the real Octokit client against the
// FAKE GitHub (helpers/fake-github.ts): 10,000 hosts cost one converge/fleet
// summary, one status per ring and a capped number of per-host statuses
// (canaries and failures), and a pass that changes nothing costs no call.
import { expect, it } from 'vitest';
import { FakeGitHub } from '../helpers/fake-github.js';
import { createGitHubClient } from '../../src/github/client.js';
import { FleetStatusPoster, countsText, fleetCounts } from '../../src/github/fleet-statuses.js';
import type { StatusIndex } from '../../src/report/status-paths.js';
import { silentLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';

const HEAD = 'c'.repeat(40);
const OLD = 'b'.repeat(40);
const TOKEN = 'github_pat_11AAAAAAA0fakeTokenForFleetTests_0123456789abcdefghijklmnop';

/** 10,000 hosts: 9,812 applied, 3 failed, 185 still on the old commit; 10 canaries. */
function bigFleet(): StatusIndex {
  const hosts: StatusIndex['hosts'] = {};
  for (let i = 0; i < 10_000; i++) {
    const host = `host-${String(i).padStart(5, '0')}`;
    const failed = i >= 9_812 && i < 9_815;
    const applied = i < 9_812 ? HEAD : OLD;
    hosts[host] = { dir: `state/${host}`, reportId: `${host}-1`, etag: 'e', result: failed ? 'failed' : 'converged', endedAt: '2026-12-02T00:00:00Z', event: failed ? `${host}: failed 1 resource` : `${host}: applied`, applied, ring: i < 10 ? 'canary' : i < 4000 ? 'workstations' : 'servers' };
  }
  return { version: 1, sharded: true, hosts };
}

it('the summary reads as the issue asks', () => {
  const { fleet, rings } = fleetCounts(bigFleet(), HEAD);
  expect(countsText(fleet)).toBe('9,812/10,000 applied, 3 failed, 185 pending');
  expect(countsText(rings.get('canary')!)).toBe('10/10 applied, 0 failed, 0 pending');
});

it('10,000 hosts: one fleet status, one per ring, canaries and failures capped; an unchanged fleet costs nothing', async () => {
  const github = new FakeGitHub();
  github.allow(TOKEN, ['statuses']);
  const client = createGitHubClient({ auth: { kind: 'token', token: TOKEN, source: 'test' }, scrubber: new Scrubber(), log: silentLogger(), fetch: github.fetch });
  const poster = new FleetStatusPoster({ repo: { owner: 'miket', repo: 'miket-infra-devices' }, client: async () => client, maxHostStatuses: 20 });
  const calls = await poster.post(HEAD, bigFleet());
  const on = github.statusesOn(HEAD);
  expect(calls).toBe(on.length);
  expect(on.length).toBeLessThanOrEqual(1 + 3 + 20);
  expect(on.find((s) => s.context === 'converge/fleet')).toMatchObject({ state: 'failure', description: '9,812/10,000 applied, 3 failed, 185 pending' });
  expect(on.filter((s) => s.context.startsWith('converge/ring/')).map((s) => [s.context, s.state])).toEqual([
    ['converge/ring/canary', 'success'], ['converge/ring/servers', 'failure'], ['converge/ring/workstations', 'success'],
  ]);
  const hosts = on.filter((s) => /^converge\/host-/.test(s.context));
  // Failures first, then canaries.
  expect(hosts.slice(0, 3).map((s) => [s.context, s.state])).toEqual([['converge/host-09812', 'failure'], ['converge/host-09813', 'failure'], ['converge/host-09814', 'failure']]);
  expect(hosts.slice(3).every((s) => Number(s.context.slice(-5)) < 10 && s.state === 'success')).toBe(true);

  const before = github.requests.length;
  expect(await poster.post(HEAD, bigFleet())).toBe(0);
  expect(github.requests.length).toBe(before);
});
