// Commit statuses at fleet scale, through the real Octokit client against the
// FAKE GitHub (helpers/fake-github.ts): 10,000 hosts cost one converge/fleet
// summary, one status per ring and a capped number of per-host statuses
// (canaries and failures), and a pass that changes nothing costs no call.
import { expect, it } from 'vitest';
import { FakeGitHub } from '../helpers/fake-github.js';
import { createGitHubClient } from '../../src/github/client.js';
import { FleetStatusPoster, countsText, fleetCounts } from '../../src/github/fleet-statuses.js';
import type { StatusIndex } from '../../src/report/status-paths.js';
import { indexSummary } from '../../src/report/aggregate/commit.js';
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

it("a ring whose hosts hold says why, from the waiting in their reports: held for the ring before, or halted in it", async () => {
  const github = new FakeGitHub();
  github.allow(TOKEN, ['statuses']);
  const client = createGitHubClient({ auth: { kind: 'token', token: TOKEN, source: 'test' }, scrubber: new Scrubber(), log: silentLogger(), fetch: github.fetch });
  const poster = new FleetStatusPoster({ repo: { owner: 'miket', repo: 'miket-infra-devices' }, client: async () => client });
  /** The index entry the aggregator makes of a host's status.json. */
  const entry = (host: string, ring: string, doc: Record<string, unknown>) => ({ dir: `state/${host}`, etag: 'e', ...indexSummary({ envelope: { version: 1, host, reportId: `${host}-1`, at: '2026-12-02T00:00:00Z', statusJson: JSON.stringify({ host, ring, endedAt: '2026-12-02T00:00:00Z', ...doc }), statusMarkdown: '', events: [] }, events: [] }) });
  const waiting = (result: string, reason: string) => ({ result, event: `x: ${result}`, applied: OLD, waiting: { commit: HEAD.slice(0, 12), result, reason } });
  const held = (ring: string) => waiting('held', `waiting for ring ${ring}: 0 of 1 applied ${HEAD.slice(0, 7)} and healthy, 1 needed (100%)`);
  const halted = waiting('held', `rollout halted in ring canary: 1 of 1 failed ${HEAD.slice(0, 7)} (maxUnavailable 0) — can: rolled back; a newer commit starts a new rollout`);

  // canary still soaking, early waits for it, rest waits for early (one of them also outside its window)
  const walking: StatusIndex = { version: 1, sharded: false, hosts: {
    can: entry('can', 'canary', { result: 'converged', event: 'can: applied', applied: OLD }),
    e1: entry('e1', 'early', { ...held('canary') }), e2: entry('e2', 'early', { ...held('canary') }),
    r1: entry('r1', 'rest', { ...held('early') }), r2: entry('r2', 'rest', { ...waiting('pending', 'window opens 2026-12-05T01:00:00.000Z (02:00 Europe/Berlin)') }),
  } };
  await poster.post(HEAD, walking);
  const ring = (name: string) => github.statusesOn(HEAD).findLast((s) => s.context === `converge/ring/${name}`);
  expect(ring('canary')).toMatchObject({ state: 'pending', description: '0/1 applied, 0 failed, 1 pending' });
  expect(ring('early')).toMatchObject({ state: 'pending', description: '0/2 applied, 0 failed, 2 pending — held: waiting for ring canary' });
  expect(ring('rest')).toMatchObject({ state: 'pending', description: '0/2 applied, 0 failed, 2 pending — held: waiting for ring early' });

  // the canary rolled the commit back: its ring fails, the later ones hold, halted
  const stopped: StatusIndex = { version: 1, sharded: false, hosts: {
    can: entry('can', 'canary', { result: 'rolledBack', event: 'can: rolled back', applied: OLD }),
    e1: entry('e1', 'early', { ...halted }), e2: entry('e2', 'early', { ...halted }), r1: entry('r1', 'rest', { ...halted }),
  } };
  await poster.post(HEAD, stopped);
  expect(ring('canary')).toMatchObject({ state: 'failure', description: '0/1 applied, 1 failed, 0 pending' });
  expect(ring('early')).toMatchObject({ state: 'pending', description: '0/2 applied, 0 failed, 2 pending — halted in ring canary' });
  expect(ring('rest')).toMatchObject({ state: 'pending', description: '0/1 applied, 0 failed, 1 pending — halted in ring canary' });

  // a waiting line from a report is bounded and one line; one about another commit says nothing here
  const odd = indexSummary({ envelope: { version: 1, host: 'x', reportId: 'x-1', at: '2026-12-02T00:00:00Z', statusJson: JSON.stringify({ waiting: { commit: HEAD, result: 'held', reason: `waiting for ring canary\n\u001b[31m${'y'.repeat(500)}` } }), statusMarkdown: '', events: [] }, events: [] });
  expect(odd.waiting?.reason).toBe('waiting for ring canary');
  expect(indexSummary({ envelope: { version: 1, host: 'x', reportId: 'x-1', at: 'now', statusJson: JSON.stringify({ waiting: { commit: '; rm -rf /', result: 'held', reason: 'r' } }), statusMarkdown: '', events: [] }, events: [] }).waiting).toBeUndefined();
});
