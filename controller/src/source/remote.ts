// Poll: where the branch is on the remote, with one `git ls-remote` and no fetch.
import { gitAt, remoteError, safeUrl } from './git.js';

/** The commit `branch` points at on `url`, or null when the branch does not exist. Throws a transient error when the remote cannot be reached. */
export async function remoteHead(url: string, branch: string, cwd: string): Promise<string | null> {
  let out: string;
  try {
    out = await gitAt(cwd).listRemote([url, `refs/heads/${branch}`]);
  } catch (error) {
    throw remoteError(`cannot reach ${safeUrl(url)}`, error);
  }
  for (const line of out.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (ref === `refs/heads/${branch}` && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}
