// Poll: where the branch is on the remote, with one `git ls-remote` and no fetch.
import type { SimpleGit } from 'simple-git';
import { gitAt, remoteError, safeUrl } from './git.js';

const pollers = new Map<string, SimpleGit>();

/** The commit `branch` points at on `url`, or null when the branch does not exist. Throws a transient error when the remote cannot be reached. */
export async function remoteHead(url: string, branch: string, cwd: string): Promise<string | null> {
  return (await remoteHeads(url, [branch], cwd)).get(branch) ?? null;
}

/** Where each of `branches` is on `url`, in one ls-remote; a branch that does not exist is left out. */
export async function remoteHeads(url: string, branches: readonly string[], cwd: string): Promise<Map<string, string>> {
  let out: string;
  // One git instance per directory, reused poll after poll: an idle agent should make as little garbage as it can.
  let git = pollers.get(cwd);
  if (!git) pollers.set(cwd, (git = gitAt(cwd)));
  try {
    out = await git.listRemote([url, ...branches.map((b) => `refs/heads/${b}`)]);
  } catch (error) {
    throw remoteError(`cannot reach ${safeUrl(url)}`, error);
  }
  const heads = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    const branch = branches.find((b) => ref === `refs/heads/${b}`);
    if (branch && sha && /^[0-9a-f]{40,64}$/.test(sha)) heads.set(branch, sha);
  }
  return heads;
}
