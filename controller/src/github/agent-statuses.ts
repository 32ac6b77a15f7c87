// The commit-status listener for an agent config: which repository, which
// credential, where the status links to.
import path from 'node:path';
import type { AgentConfig } from '../agent/config-schema.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { ConvergeError } from '../platform/errors.js';
import { configStateDir } from '../agent/config.js';
import { readGitHubAuth } from './auth.js';
import type { GitHubAuth } from './auth.js';
import { createGitHubClient } from './client.js';
import type { ClientOptions, GitHubClient } from './client.js';
import { parseRepo, repoFromGitUrl, statusPageUrl, webUrlOf } from './repository.js';
import { CommitStatusListener } from './status-listener.js';

/** Tuning for tests and labs (a fake GitHub's fetch, shorter waits). */
export type ClientTuning = Pick<ClientOptions, 'fetch' | 'retries' | 'retryBaseMs' | 'maxRateLimitWaitS'> & { budgetMs?: number };

/** The listener that sets `converge/<host>` on the commits the agent converges. */
export function createCommitStatusListener(config: AgentConfig, log: Logger, scrubber: Scrubber, tuning: ClientTuning = {}): CommitStatusListener {
  const github = config.github;
  if (!github) throw new ConvergeError('internal', 'createCommitStatusListener needs github: in the config');
  const web = webUrlOf(github.apiUrl);
  const webHost = new URL(web).host;
  const repo = github.repository ? parseRepo(github.repository) : repoFromGitUrl(config.repo, webHost);
  if (!repo) {
    throw new ConvergeError('invalid-input', `github.repository is needed: repo: ${config.repo} is not a ${webHost} URL (write github: { repository: owner/name })`);
  }
  const statusRepo = (config.statusRepo && repoFromGitUrl(config.statusRepo, webHost)) || repo;
  let cached: { key: string; client: GitHubClient } | null = null;
  const client = async () => {
    const auth = await readGitHubAuth(github);
    const key = keyOf(auth);
    if (cached?.key !== key) cached = { key, client: createGitHubClient({ ...tuning, auth, apiUrl: github.apiUrl, scrubber, log }) };
    return cached.client;
  };
  return new CommitStatusListener({
    repo,
    host: config.host,
    targetUrl: statusPageUrl(web, statusRepo, config.statusBranch, config.host),
    client,
    stateFile: path.join(configStateDir(config), 'github', 'statuses.json'),
    log,
    scrubber,
    budgetMs: tuning.budgetMs,
  });
}

// The same credential keeps its client (and an App's cached installation token).
function keyOf(auth: GitHubAuth): string {
  return auth.kind === 'token' ? `token:${auth.token}` : `app:${auth.appId}:${auth.installationId}:${auth.privateKey}`;
}
