// Where things are on GitHub: owner/name of a repository (from the config or
// its git URL), and the web page of a host's STATUS.md on the status branch.

export interface RepoRef {
  owner: string;
  repo: string;
}

/** `owner/name` of a git URL on github.com (https, ssh://, scp-like), or null. */
export function repoFromGitUrl(url: string, webHost = 'github.com'): RepoRef | null {
  const host = webHost.replace(/[.]/g, '\\.');
  const m = new RegExp(`^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)${host}(?::\\d+)?[:/]([\\w.-]+)/([\\w.-]+?)(?:\\.git)?/?$`).exec(url.trim());
  return m ? { owner: m[1]!, repo: m[2]! } : null;
}

/** `owner/name` parsed. */
export function parseRepo(text: string): RepoRef | null {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(text.trim());
  return m ? { owner: m[1]!, repo: m[2]! } : null;
}

/** The web URL for an API URL: api.github.com → github.com; https://HOST/api/v3 → https://HOST. */
export function webUrlOf(apiUrl = 'https://api.github.com'): string {
  const u = apiUrl.replace(/\/+$/, '');
  if (/^https:\/\/api\.github\.com$/i.test(u)) return 'https://github.com';
  return u.replace(/\/api\/v3$/i, '');
}

/** The page of `state/<host>/STATUS.md` on the status branch. */
export function statusPageUrl(web: string, repo: RepoRef, branch: string, host: string): string {
  const ref = branch.split('/').map(encodeURIComponent).join('/');
  return `${web}/${repo.owner}/${repo.repo}/blob/${ref}/state/${encodeURIComponent(host)}/STATUS.md`;
}
