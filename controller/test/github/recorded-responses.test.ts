// GitHub's real recorded responses (@octokit/fixtures-server) for creating a
// commit status: converge's request is the one GitHub recorded, its response
// is read, and the fake GitHub answers in the same shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { createGitHubClient } from '../../src/github/client.js';
import type { GitHubClient } from '../../src/github/client.js';
import { setCommitStatus } from '../../src/github/commit-status.js';
import type { CommitStatus } from '../../src/github/commit-status.js';
import { silentLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';

const PORT = 8401;
const FIXTURE_TOKEN = '0000000000000000000000000000000000000001';
const SHA = '0000000000000000000000000000000000000001';
// The two requests GitHub's recording holds, exactly.
const RECORDED: CommitStatus[] = [
  { owner: 'octokit-fixture-org', repo: 'create-status', sha: SHA, state: 'failure', targetUrl: 'https://example.com', description: 'create-status failure test', context: 'example/1' },
  { owner: 'octokit-fixture-org', repo: 'create-status', sha: SHA, state: 'success', targetUrl: 'https://example.com', description: 'create-status success test', context: 'example/2' },
];

let server: ChildProcess;

beforeAll(async () => {
  server = spawn(process.execPath, [path.join(PROJECT_ROOT, 'controller/test/fixtures/github-fixtures-server.mjs'), String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`fixtures server exited with ${code}`)));
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
  });
});

afterAll(() => {
  server?.kill();
});

async function loadScenario(name: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${PORT}/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: name }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { url: string }).url;
}

function client(options: { apiUrl?: string; fetch?: typeof fetch }, token = FIXTURE_TOKEN): { client: GitHubClient; responses: Record<string, unknown>[] } {
  const c = createGitHubClient({ auth: { kind: 'token', token, source: 'test' }, scrubber: new Scrubber(), log: silentLogger(), retries: 0, ...options });
  const responses: Record<string, unknown>[] = [];
  c.hook.after('request', (response) => {
    responses.push(response.data as Record<string, unknown>);
  });
  return { client: c, responses };
}

/** Each key with the JSON type of its value, nested objects included. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return [value.length ? shape(value[0]) : 'empty'];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}

describe('creating a commit status, against GitHub\'s recorded responses', () => {
  it('sends exactly the recorded requests and reads the recorded responses', async () => {
    const url = await loadScenario('create-status');
    const { client: c, responses } = client({ apiUrl: url });
    // The fixtures server answers only a request that matches the recording (method, path, headers, body).
    expect(await setCommitStatus(c, RECORDED[0]!)).toBe(1000);
    expect(await setCommitStatus(c, RECORDED[1]!)).toBe(1001);
    expect(responses.map((r) => [r.state, r.context, r.description])).toEqual([
      ['failure', 'example/1', 'create-status failure test'],
      ['success', 'example/2', 'create-status success test'],
    ]);
  });

  it('a request that differs from the recording is not answered as a success', async () => {
    const url = await loadScenario('create-status');
    const { client: c } = client({ apiUrl: url });
    await expect(setCommitStatus(c, { ...RECORDED[0]!, description: 'something else' })).rejects.toMatchObject({ status: 404 });
  });

  it('the fake GitHub answers with the same shape as GitHub did', async () => {
    const url = await loadScenario('create-status');
    const real = client({ apiUrl: url });
    await setCommitStatus(real.client, RECORDED[0]!);

    const github = new FakeGitHub();
    github.allow(FIXTURE_TOKEN);
    const fake = client({ fetch: github.fetch });
    await setCommitStatus(fake.client, RECORDED[0]!);

    expect(shape(fake.responses[0])).toEqual(shape(real.responses[0]));
    const { id: _r, url: _ru, avatar_url: _ra, creator: _rc, node_id: _rn, created_at: _c1, updated_at: _u1, ...recorded } = real.responses[0]!;
    const { id: _f, url: _fu, avatar_url: _fa, creator: _fc, node_id: _fn, created_at: _c2, updated_at: _u2, ...faked } = fake.responses[0]!;
    expect(faked).toEqual(recorded);
  });
});
