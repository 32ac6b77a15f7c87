// One comment per pull request, found again by a hidden marker and edited in
// place on every push, never appended.
import type { GitHubClient } from './client.js';

export interface CommentTarget {
  owner: string;
  repo: string;
  /** The pull request (or issue) number. */
  issue: number;
}

export interface CommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

/** Create the comment carrying `marker`, or update it when it is already there. */
export async function upsertComment(client: GitHubClient, target: CommentTarget, marker: string, body: string): Promise<CommentResult> {
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  const { owner, repo, issue } = target;
  const comments = await client.paginate(client.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 });
  const mine = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
  if (mine) {
    if (mine.body === text) return { action: 'unchanged', id: mine.id, url: mine.html_url };
    const { data } = await client.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: issue, body: text });
  return { action: 'created', id: data.id, url: data.html_url };
}
