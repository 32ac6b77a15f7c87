// What went wrong talking to GitHub, in words an operator can act on, and
// whether trying the same request again later can help.
import type { Scrubber } from '../platform/scrubber.js';
import { messageOf } from '../platform/errors.js';

export interface GitHubProblem {
  /** "401 Bad credentials", "network: connect ECONNREFUSED 127.0.0.1:443". */
  message: string;
  /** True when this request will never succeed as is (the commit is unknown to GitHub, the body is refused). */
  permanent: boolean;
  /** True when the credential is the problem (wrong, expired, missing permission). */
  auth: boolean;
}

/** Describe an error thrown by Octokit (or by reading the credential), scrubbed. */
export function describeGitHubError(error: unknown, scrubber: Scrubber): GitHubProblem {
  const e = error as { status?: number; name?: string; request?: unknown; response?: { data?: unknown } };
  const status = typeof e?.status === 'number' && e.request !== undefined ? e.status : undefined;
  const text = scrubber.scrub(messageOf(error)).replace(/ - https:\/\/docs\.github\.com\S*$/, '');
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return { message: 'timed out', permanent: false, auth: false };
  if (status === undefined) return { message: text, permanent: false, auth: false };
  if (status === 500 && !e.response) return { message: `network: ${text}`, permanent: false, auth: false };
  const auth = status === 401 || (status === 403 && !/rate limit/i.test(text));
  const hint = status === 401 ? ' (the token is wrong or expired)' : auth ? ' (the token lacks a permission: commit statuses: write, pull requests: write)' : status === 404 ? ' (unknown repository or commit, or the token cannot see the repository)' : '';
  return { message: `${status} ${text}${hint}`, permanent: status === 404 || status === 422, auth };
}
