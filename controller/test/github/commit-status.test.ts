// Commit statuses through the real @octokit/rest client against a fake
// GitHub: pending → final with the report's summary and a link, GitHub down
// or a bad token never blocking a run and the status delivered at the next
// run (also after a restart), the token never in a log or an error.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { FakeGitHub } from '../helpers/fake-github.js';
import { tempDir } from '../helpers/tmp.js';
import { reportOf } from './reports.js';
import { AgentConfig } from '../../src/agent/config-schema.js';
import { createCommitStatusListener } from '../../src/github/agent-statuses.js';
import type { ClientTuning } from '../../src/github/agent-statuses.js';
import { createLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';
import { ConvergeError } from '../../src/platform/errors.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const TOKEN = 'github_pat_11AAAAAAA0fakeTokenForTests_0123456789abcdefghijklmnopqrstuvwxyz';

function setup(github: FakeGitHub, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const tokenFile = path.join(dir, 'github-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const logFile = path.join(dir, 'agent.log');
  const config = AgentConfig.parse({
    host: 'motoko',
    repo: 'ssh://git@github.com/miket/miket-infra-devices.git',
    stateDir: path.join(dir, 'state'),
    github: { tokenFile, ...extra },
  });
  const scrubber = new Scrubber();
  const log = createLogger({ level: 'info', destination: logFile, scrubber });
  const tuning: ClientTuning = { fetch: github.fetch, retryBaseMs: 1, budgetMs: 5_000 };
  const listener = () => createCommitStatusListener(config, log, scrubber, tuning);
  return { dir, tokenFile, config, listener, logText: () => readFileSync(logFile, 'utf8') };
}

async function failure(promise: Promise<unknown>): Promise<ConvergeError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConvergeError);
  return error as ConvergeError;
}

describe('converge/<host> commit statuses', () => {
  it('sets pending when a run starts, then the result with the summary and a link to STATUS.md', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN, ['statuses']);
    const { listener } = setup(github);
    const statuses = listener();

    statuses.runStarted({ commit: A });
    await statuses.runFinished({ report: reportOf('motoko', A, 'changed', { changed: 2, unchanged: 10 }) });

    expect(github.statusesOn(A).map((s) => [s.state, s.description])).toEqual([
      ['pending', 'converging…'],
      ['success', 'changed: 2 changed, 10 unchanged'],
    ]);
    const final = github.statusesOn(A)[1]!;
    expect(final).toMatchObject({ owner: 'miket', repo: 'miket-infra-devices', context: 'converge/motoko' });
    expect(final.target_url).toBe('https://github.com/miket/miket-infra-devices/blob/status/state/motoko/STATUS.md');

    // An interval run on the same commit: no new pending, and an identical result is not sent again.
    statuses.runStarted({ commit: A });
    await statuses.runFinished({ report: reportOf('motoko', A, 'changed', { changed: 2, unchanged: 10 }) });
    expect(github.statusesOn(A)).toHaveLength(2);
    // Nor is the same outcome with other counts: the status records how the commit was applied.
    await statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 12 }) });
    expect(github.statusesOn(A)).toHaveLength(2);
    // A different outcome on the same commit is sent, and so is the way back.
    statuses.runStarted({ commit: A });
    await statuses.runFinished({ report: reportOf('motoko', A, 'failed', { failed: 1, unchanged: 11 }) });
    await statuses.runFinished({ report: reportOf('motoko', A, 'changed', { changed: 1, unchanged: 11 }) });
    expect(github.statusesOn(A).map((s) => [s.state, s.description]).slice(2)).toEqual([
      ['failure', 'failed: 1 failed, 11 unchanged'],
      ['success', 'changed: 1 changed, 11 unchanged'],
    ]);
  });

  it('maps rejected commits to error and validation failures to failure with the first problem', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const statuses = setup(github).listener();
    await statuses.runFinished({ report: reportOf('motoko', A, 'rejected', {}, ['commit aaaaaaa is not signed by an allowed signer']) });
    await statuses.runFinished({ report: reportOf('motoko', B, 'failed', {}, ['hosts/motoko/ai.yml:4:7: unknown resource type \'fille\' (did you mean \'file\'?)']) });
    expect(github.statusesOn(A)[0]).toMatchObject({ state: 'error', description: 'rejected: commit aaaaaaa is not signed by an allowed signer' });
    expect(github.statusesOn(B)[0]).toMatchObject({ state: 'failure', description: "failed: hosts/motoko/ai.yml:4:7: unknown resource type 'fille' (did you mean 'file'?)" });
  });

  it('cuts a description to GitHub\'s 140 characters', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const statuses = setup(github).listener();
    await statuses.runFinished({ report: reportOf('motoko', A, 'failed', {}, [`hosts/motoko/ai.yml:4:7: ${'x'.repeat(300)}`]) });
    const description = github.statusesOn(A)[0]!.description!;
    expect(description).toHaveLength(140);
    expect(description.endsWith('…')).toBe(true);
  });

  it('GitHub down: the run is not blocked, the failure is thrown to the agent, and the status is sent at the next run', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const { listener } = setup(github);
    const statuses = listener();
    github.outage = 'refuse';

    // runStarted returns at once: pending is sent in the background.
    expect(statuses.runStarted({ commit: A })).toBeUndefined();
    const finished = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 12 }) }));
    expect(finished.reason).toBe('transient');
    expect(finished.message).toContain('GitHub did not take commit status converge/motoko (pending) on aaaaaaa: network: connect ECONNREFUSED');
    expect(finished.message).toContain('GitHub did not take commit status converge/motoko (success) on aaaaaaa');
    expect(finished.message).toContain('kept, sent again at the next run');
    expect(github.statuses).toEqual([]);

    // GitHub is back; the agent restarts (a new listener) and converges a newer commit.
    github.outage = null;
    const restarted = listener();
    restarted.runStarted({ commit: B });
    await restarted.close();
    expect(github.statuses.map((s) => [s.sha, s.state])).toEqual([
      [A, 'success'],
      [B, 'pending'],
    ]);
    expect(github.statusesOn(A)[0]!.description).toBe('converged: 12 unchanged');
  });

  it('GitHub answering 503 is retried, then kept for the next run', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const statuses = setup(github).listener();
    github.outage = 503;
    statuses.runStarted({ commit: A });
    await statuses.close();
    // @octokit/plugin-retry tried again (2 retries by default) before giving up.
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
    github.outage = null;
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 3 }) }));
    expect(error.message).toContain('(pending) on aaaaaaa: 503 Service Unavailable');
    expect(github.statusesOn(A).map((s) => s.state)).toEqual(['success']);
  });

  it('a rate limit with a far reset is not waited for: kept for the next run', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const statuses = setup(github).listener();
    github.rateLimited = true;
    statuses.runStarted({ commit: A });
    await statuses.close();
    expect(github.requests).toHaveLength(1);
    github.rateLimited = false;
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 3 }) }));
    expect(error.message).toContain('403 API rate limit exceeded');
    expect(github.statusesOn(A).map((s) => s.state)).toEqual(['success']);
  });

  it('a wrong token is reported without the token, and a rotated token file is picked up at the next run', async () => {
    const github = new FakeGitHub();
    const good = 'github_pat_11BBBBBBB0theRotatedGoodToken_9876543210zyxwvutsrqponmlkjihgfed';
    github.allow(good);
    const { listener, tokenFile, logText } = setup(github);
    const statuses = listener();

    statuses.runStarted({ commit: A });
    await statuses.close();
    expect(github.requests[0]!.authorization).toBe(`token ${TOKEN}`);

    writeFileSync(tokenFile, good);
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'changed', { changed: 1 }) }));
    expect(error.message).toContain('401 Bad credentials (the token is wrong or expired)');
    expect(error.message).not.toContain(TOKEN);
    expect(logText()).toContain('401 Bad credentials');
    expect(logText()).not.toContain(TOKEN);
    expect(github.statusesOn(A).map((s) => [s.state, s.by])).toEqual([['success', good]]);
  });

  it('a token without the commit statuses permission says which permission is missing', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN, ['pull_requests']);
    const statuses = setup(github).listener();
    statuses.runStarted({ commit: A });
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 1 }) }));
    expect(error.message).toContain('403 Resource not accessible by personal access token (the token lacks a permission: commit statuses: write');
  });

  it('a missing token file is reported and the statuses wait for it', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const { listener, tokenFile } = setup(github);
    const statuses = listener();
    writeFileSync(tokenFile, '');
    statuses.runStarted({ commit: A });
    await statuses.close();
    writeFileSync(tokenFile, TOKEN);
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 1 }) }));
    expect(error.message).toContain(`${tokenFile} is empty`);
    expect(github.statusesOn(A).map((s) => s.state)).toEqual(['success']);
  });

  it('a commit GitHub does not know is dropped, not retried forever', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    github.knownCommits = new Set([B]);
    const statuses = setup(github).listener();
    statuses.runStarted({ commit: A });
    const error = await failure(statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 1 }) }));
    expect(error.reason).toBe('invalid-input');
    expect(error.message).toContain(`GitHub refused commit status converge/motoko (pending) on aaaaaaa: 422 No commit found for SHA: ${A}; dropped`);
    statuses.runStarted({ commit: B });
    await statuses.runFinished({ report: reportOf('motoko', B, 'converged', { unchanged: 1 }) });
    // Each status of A was tried once, never again.
    expect(github.requests.filter((r) => r.path.includes(`/statuses/${A}`))).toHaveLength(2);
    expect(github.statusesOn(B).map((s) => s.state)).toEqual(['pending', 'success']);
  });

  it('links to the status repository when reports go to another repository', async () => {
    const github = new FakeGitHub();
    github.allow(TOKEN);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'token'), TOKEN);
    const config = AgentConfig.parse({
      host: 'atom', repo: 'https://github.com/miket/miket-infra-devices.git', statusRepo: 'git@github.com:miket/fleet-status.git', statusBranch: 'reports',
      stateDir: dir, github: { tokenFile: path.join(dir, 'token') },
    });
    const scrubber = new Scrubber();
    const statuses = createCommitStatusListener(config, createLogger({ level: 'silent', scrubber }), scrubber, { fetch: github.fetch });
    statuses.runStarted({ commit: A });
    await statuses.close();
    expect(github.statusesOn(A)[0]).toMatchObject({ owner: 'miket', repo: 'miket-infra-devices', target_url: 'https://github.com/miket/fleet-status/blob/reports/state/atom/STATUS.md' });
  });

  it('authenticates as a GitHub App installation; the installation token never reaches the log', async () => {
    const github = new FakeGitHub();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    github.allowApp(123456, 7890, publicKey);
    const dir = tempDir();
    const keyFile = path.join(dir, 'app.pem');
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    const logFile = path.join(dir, 'log');
    const config = AgentConfig.parse({
      host: 'motoko', repo: 'file:///srv/fleet.git', stateDir: dir,
      github: { repository: 'miket/miket-infra-devices', app: { id: 123456, installationId: 7890, privateKeyFile: keyFile } },
    });
    const scrubber = new Scrubber();
    const log = createLogger({ level: 'debug', destination: logFile, scrubber });
    const statuses = createCommitStatusListener(config, log, scrubber, { fetch: github.fetch });
    statuses.runStarted({ commit: A });
    await statuses.runFinished({ report: reportOf('motoko', A, 'converged', { unchanged: 5 }) });

    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /app/installations/7890/access_tokens',
      `POST /repos/miket/miket-infra-devices/statuses/${A}`,
      `POST /repos/miket/miket-infra-devices/statuses/${A}`,
    ]);
    const installationToken = github.statuses[0]!.by;
    expect(installationToken).toMatch(/^ghs_/);
    const log_ = readFileSync(logFile, 'utf8');
    expect(log_).toContain('commit status set');
    expect(log_).not.toContain(installationToken);
    expect(log_).not.toContain(privateKey.split('\n')[1]!);
  });
});
