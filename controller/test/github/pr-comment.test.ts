// The PR comment: created once, found again by its hidden marker and edited in
// place on every push (also among more comments than one page holds); other
// people's comments are left alone, even one that carries the marker
// (finding 14).
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../helpers/fake-github.js';
import { createGitHubClient } from '../../src/github/client.js';
import { upsertComment } from '../../src/github/pr-comment.js';
import { silentLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';

const TOKEN = 'ghs_workflowTokenForTheDiffComment0123456789';
const MARKER = '<!-- converge-diff -->';
const BOT = 'github-actions[bot]';
const PR = { owner: 'miket', repo: 'miket-infra-devices', issue: 42 };

function setup() {
  const github = new FakeGitHub();
  github.allow(TOKEN, ['pull_requests'], 'github-actions[bot]');
  github.allow('ghp_someoneElse', ['pull_requests'], 'mike');
  const client = createGitHubClient({ auth: { kind: 'token', token: TOKEN, source: 'test' }, scrubber: new Scrubber(), log: silentLogger(), fetch: github.fetch, retries: 0 });
  const other = createGitHubClient({ auth: { kind: 'token', token: 'ghp_someoneElse', source: 'test' }, scrubber: new Scrubber(), log: silentLogger(), fetch: github.fetch, retries: 0 });
  return { github, client, other };
}

describe('the converge diff comment on a pull request', () => {
  it('is created once and then updated in place on every push', async () => {
    const { github, client, other } = setup();
    await other.rest.issues.createComment({ owner: PR.owner, repo: PR.repo, issue_number: PR.issue, body: 'LGTM once CI is green' });

    const first = await upsertComment(client, PR, MARKER, `${MARKER}\nmotoko: 1 changed`, BOT);
    expect(first.action).toBe('created');
    const second = await upsertComment(client, PR, MARKER, `${MARKER}\nmotoko: 2 changed`, BOT);
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const third = await upsertComment(client, PR, MARKER, `${MARKER}\nmotoko: 2 changed`, BOT);
    expect(third).toMatchObject({ action: 'unchanged', id: first.id });

    const ours = github.comments.filter((c) => c.body.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ body: `${MARKER}\nmotoko: 2 changed`, updates: 1, user: 'github-actions[bot]' });
    expect(github.comments.find((c) => c.user === 'mike')!.body).toBe('LGTM once CI is green');
    expect(github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/miket/miket-infra-devices/issues/42/comments',
      'POST /repos/miket/miket-infra-devices/issues/42/comments',
      `PATCH /repos/miket/miket-infra-devices/issues/comments/${first.id}`,
    ]);
  });

  it('is found on a later page of a long discussion', async () => {
    const { github, client } = setup();
    const first = await upsertComment(client, PR, MARKER, 'first push', BOT);
    for (let i = 0; i < 130; i++) github.addComment(PR.owner, PR.repo, PR.issue, `comment ${i}`);
    // Put ours after the first page.
    const index = github.comments.findIndex((c) => c.id === first.id);
    github.comments.push(...github.comments.splice(index, 1));
    const again = await upsertComment(client, PR, MARKER, 'second push', BOT);
    expect(again).toMatchObject({ action: 'updated', id: first.id });
    expect(github.comments.filter((c) => c.body.includes(MARKER))).toHaveLength(1);
    expect(github.requests.filter((r) => r.method === 'GET').at(-1)!.path).toContain('page=2');
  });

  it('never edits a comment someone else wrote, even with the marker and the very same text (finding 14)', async () => {
    const { github, client } = setup();
    const body = `${MARKER}\nmotoko: 1 changed`;
    const planted = github.addComment(PR.owner, PR.repo, PR.issue, body, 'mallory');
    const result = await upsertComment(client, PR, MARKER, body, BOT);
    expect(result.action).toBe('created');
    expect(result.id).not.toBe(planted.id);
    expect(planted).toMatchObject({ body, updates: 0, user: 'mallory' });
    expect(github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/miket/miket-infra-devices/issues/42/comments']);
    expect(github.comments.find((c) => c.id === result.id)).toMatchObject({ user: BOT });
  });
});
