// The GitHub API client: @octokit/rest with retries (5xx, network) and
// GitHub's rate limits honoured, authenticated by a token or an App
// installation. Every credential it sends is handed to the scrubber first, so
// no token can reach a log line, a report or an error.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { createAppAuth } from '@octokit/auth-app';
import type { GitHubAuth } from './auth.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import { AGENT_VERSION } from '../platform/version.js';

export type GitHubClient = Octokit;

export interface ClientOptions {
  auth: GitHubAuth;
  /** https://api.github.com by default; GitHub Enterprise: https://HOST/api/v3. */
  apiUrl?: string;
  scrubber: Scrubber;
  log: Logger;
  /** Replaces the global fetch (a fake GitHub in tests). */
  fetch?: typeof fetch;
  /** Retries of a failed request (5xx, network): 2 by default. */
  retries?: number;
  /** Base of the retry backoff: 1 s by default (1 s, 4 s, 9 s…). */
  retryBaseMs?: number;
  /** The longest rate-limit wait accepted before a request is given up (and retried next run): 30 s by default. */
  maxRateLimitWaitS?: number;
}

const RestClient = Octokit.plugin(retry, throttling);

/** A client for one credential. */
export function createGitHubClient(options: ClientOptions): GitHubClient {
  const log = options.log.child({ component: 'github' });
  const { auth, scrubber } = options;
  if (auth.kind === 'token') scrubber.add(auth.token);
  else scrubber.add(auth.privateKey.trim());
  const baseFetch = options.fetch ?? globalThis.fetch;
  // Every request passes here with its final headers: installation tokens and JWTs are learnt as they are used.
  const scrubbingFetch: typeof fetch = (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization');
    if (authorization) scrubber.add(authorization.replace(/^(token|bearer)\s+/i, ''));
    return baseFetch(input, init);
  };
  const maxWait = options.maxRateLimitWaitS ?? 30;
  const onLimit = (kind: string) => (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < 1 && retryAfter <= maxWait;
    log.warn({ kind, retryAfter, method: request.method, url: request.url, retrying: again }, 'GitHub rate limit');
    return again;
  };
  const common = {
    baseUrl: (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: `converge/${AGENT_VERSION}`,
    request: { fetch: scrubbingFetch },
    retry: { retries: options.retries ?? 2, retryAfterBaseValue: options.retryBaseMs ?? 1000 },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    log: {
      debug: (message: string) => log.debug({ detail: scrubber.scrub(message) }, 'octokit'),
      info: (message: string) => log.debug({ detail: scrubber.scrub(message) }, 'octokit'),
      warn: (message: string) => log.warn({ detail: scrubber.scrub(message) }, 'octokit'),
      error: (message: string) => log.error({ detail: scrubber.scrub(message) }, 'octokit'),
    },
  };
  if (auth.kind === 'token') return new RestClient({ ...common, auth: auth.token }) as unknown as GitHubClient;
  return new RestClient({
    ...common,
    authStrategy: createAppAuth,
    auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: auth.installationId },
  }) as unknown as GitHubClient;
}
