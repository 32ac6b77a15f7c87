// Commit statuses: `converge/<host>` on the commit a host converges.
import type { GitHubClient } from './client.js';

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** One commit status, as GitHub stores it. */
export interface CommitStatus {
  owner: string;
  repo: string;
  sha: string;
  state: CommitState;
  /** At most 140 characters (GitHub's limit): longer text is cut. */
  description: string;
  targetUrl?: string;
  context: string;
}

/** GitHub's limit on a status description. */
export const DESCRIPTION_LIMIT = 140;

/** Set a commit status; resolves to the id GitHub gave it. */
export async function setCommitStatus(client: GitHubClient, status: CommitStatus, signal?: AbortSignal): Promise<number> {
  const { data } = await client.rest.repos.createCommitStatus({
    owner: status.owner,
    repo: status.repo,
    sha: status.sha,
    state: status.state,
    ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    description: clip(status.description, DESCRIPTION_LIMIT),
    context: status.context,
    ...(signal ? { request: { signal } } : {}),
  });
  return data.id;
}

/** `text` cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}
