// Post the fleet diff on a pull request: repository, API and credential from
// flags, GitHub Actions' environment, or the agent config, in that order.
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../agent/config.js';
import { readGitHubAuth, tokenFromEnv } from '../github/auth.js';
import type { GitHubAuth } from '../github/auth.js';
import { createGitHubClient } from '../github/client.js';
import { commentAuthor, upsertComment } from '../github/pr-comment.js';
import type { CommentResult } from '../github/pr-comment.js';
import { describeGitHubError } from '../github/errors.js';
import { parseRepo, repoFromGitUrl, webUrlOf } from '../github/repository.js';
import { createLogger } from '../platform/logger.js';
import { Scrubber } from '../platform/scrubber.js';
import { ConvergeError } from '../platform/errors.js';

export interface PostOptions {
  repoDir: string;
  pr: number;
  body: string;
  marker: string;
  flags: { githubRepo?: string; tokenFile?: string; apiUrl?: string; config?: string };
}

/** Create or update the one diff comment on the pull request. */
export async function postDiffComment(options: PostOptions): Promise<CommentResult> {
  const { flags } = options;
  const env = process.env;
  const github = flags.config ? loadConfig(flags.config).github : undefined;
  const apiUrl = flags.apiUrl ?? env.GITHUB_API_URL ?? github?.apiUrl;
  const auth: GitHubAuth | null = flags.tokenFile ? await readGitHubAuth({ tokenFile: flags.tokenFile }) : (tokenFromEnv(env) ?? (github ? await readGitHubAuth(github) : null));
  if (!auth) throw new ConvergeError('invalid-input', '--comment needs a token: GITHUB_TOKEN in the environment, --token-file FILE, or --config with github:');
  const named = flags.githubRepo ?? env.GITHUB_REPOSITORY ?? github?.repository;
  const repo = named ? parseRepo(named) : repoFromGitUrl(originUrl(options.repoDir) ?? '', new URL(webUrlOf(apiUrl)).host);
  if (!repo) throw new ConvergeError('invalid-input', `which GitHub repository? ${named ? `'${named}' is not owner/name` : 'pass --github-repo owner/name (GITHUB_REPOSITORY in Actions)'}`);
  const scrubber = new Scrubber();
  const log = createLogger({ level: 'warn', scrubber });
  const client = createGitHubClient({ auth, apiUrl, scrubber, log });
  try {
    const author = await commentAuthor(client, env);
    return await upsertComment(client, { owner: repo.owner, repo: repo.repo, issue: options.pr }, options.marker, options.body, author);
  } catch (error) {
    const problem = describeGitHubError(error, scrubber);
    throw new ConvergeError(problem.auth ? 'invalid-input' : 'transient', `cannot comment on ${repo.owner}/${repo.repo}#${options.pr}: ${problem.message.replace('commit statuses: write, pull requests: write', 'pull requests: write')}`, { cause: error });
  }
}

function originUrl(dir: string): string | null {
  try {
    return execFileSync('git', ['-C', dir, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
