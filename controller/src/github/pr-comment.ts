// One comment per pull request, found again by a hidden marker and edited in
// place on every push, never appended. Only a comment written by our own
// identity is ours: someone else's comment carrying the marker is left alone.
import process from 'node:process';
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

/** Create the comment carrying `marker`, or update it when `author` (our own login) already wrote it. */
export async function upsertComment(client: GitHubClient, target: CommentTarget, marker: string, body: string, author: string): Promise<CommentResult> {
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  const { owner, repo, issue } = target;
  const comments = await client.paginate(client.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 });
  const mine = comments.find((c) => c.user?.login === author && typeof c.body === 'string' && c.body.includes(marker));
  if (mine) {
    if (mine.body === text) return { action: 'unchanged', id: mine.id, url: mine.html_url };
    const { data } = await client.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: issue, body: text });
  return { action: 'created', id: data.id, url: data.html_url };
}

/**
 * Whom the token comments as: GitHub Actions' GITHUB_TOKEN as github-actions[bot];
 * a personal token says who it is; an installation token cannot ask, and is taken
 * to be Actions' bot (CONVERGE_COMMENT_AUTHOR names an App's own `<slug>[bot]`).
 */
export async function commentAuthor(client: GitHubClient, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.CONVERGE_COMMENT_AUTHOR) return env.CONVERGE_COMMENT_AUTHOR;
  if (env.GITHUB_ACTIONS === 'true') return ACTIONS_BOT;
  try {
    return (await client.rest.users.getAuthenticated()).data.login;
  } catch {
    return ACTIONS_BOT;
  }
}

const ACTIONS_BOT = 'github-actions[bot]';
