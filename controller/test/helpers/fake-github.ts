// A FAKE GitHub for tests: the few REST endpoints converge uses (commit
// statuses, issue comments, App installation tokens), with GitHub's
// authentication, permission, validation, pagination and rate-limit answers.
// It is a fake, used because no GitHub can be reached from here; the
// fixtures-server test keeps its response shapes honest against GitHub's
// recorded responses. Reach it through Octokit's `request.fetch` (in-process)
// or over HTTP on 127.0.0.1 (for converge run as a process).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type Permission = 'statuses' | 'pull_requests';

export interface FakeStatus {
  owner: string;
  repo: string;
  sha: string;
  state: string;
  description: string | null;
  target_url: string | null;
  context: string;
  id: number;
  /** The token that set it. */
  by: string;
}

export interface FakeComment {
  owner: string;
  repo: string;
  issue: number;
  id: number;
  body: string;
  user: string;
  updates: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  authorization: string | null;
}

/** The fake. Tokens must be added with `allow`; everything else is refused as GitHub would. */
export class FakeGitHub {
  readonly statuses: FakeStatus[] = [];
  readonly comments: FakeComment[] = [];
  readonly requests: FakeRequest[] = [];
  /** Simulated outage: the connection fails, or GitHub answers 503. */
  outage: null | 'refuse' | 503 = null;
  /** Answer every API call with a primary rate-limit 403 whose reset is an hour away. */
  rateLimited = false;
  /** When set, statuses on other commits get GitHub's 422 "No commit found". */
  knownCommits: Set<string> | null = null;
  private readonly tokens = new Map<string, { login: string; permissions: Set<Permission> }>();
  private app: { id: string; installationId: number; publicKey: KeyObject } | null = null;
  private nextId = 1000;
  private base = 'http://api.github.fake';

  /** Accept `token` with these permissions. */
  allow(token: string, permissions: Permission[] = ['statuses', 'pull_requests'], login = 'converge-bot'): void {
    this.tokens.set(token, { login, permissions: new Set(permissions) });
  }

  /** Accept JWTs of App `id` signed with the key whose public half is `publicKeyPem`, for one installation. */
  allowApp(id: number | string, installationId: number, publicKeyPem: string): void {
    this.app = { id: String(id), installationId, publicKey: createPublicKey(publicKeyPem) };
  }

  /** The fake as a fetch function (Octokit's `request.fetch`). */
  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (this.outage === 'refuse') {
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
      throw new TypeError('fetch failed', { cause });
    }
    return this.handle(request);
  };

  /** Serve over HTTP on 127.0.0.1:port. */
  async listen(port: number): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((req, res) => {
      if (this.outage === 'refuse') {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
        void this.handle(new Request(`${this.base}${req.url}`, { method: req.method, headers, body })).then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url: this.base,
      close: () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    };
  }

  /** A comment someone else wrote (put straight into the fake, as history). */
  addComment(owner: string, repo: string, issue: number, body: string, user = 'mike'): FakeComment {
    const comment: FakeComment = { owner, repo, issue, id: this.nextId++, body, user, updates: 0 };
    this.comments.push(comment);
    return comment;
  }

  /** Statuses on one commit, oldest first. */
  statusesOn(sha: string): FakeStatus[] {
    return this.statuses.filter((s) => s.sha === sha);
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const authorization = request.headers.get('authorization');
    this.requests.push({ method, path: url.pathname + url.search, authorization });
    if (this.outage === 503) return json(503, { message: 'Service Unavailable' });
    if (this.rateLimited) {
      return json(403, { message: 'API rate limit exceeded for installation.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      });
    }
    const body = method === 'GET' ? {} : ((await request.json().catch(() => ({}))) as Record<string, unknown>);
    const path = url.pathname;
    let m: RegExpExecArray | null;

    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && method === 'POST') return this.installationToken(authorization, Number(m[1]));

    const who = this.authenticate(authorization);
    if (!who) return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });

    // Who the token is: a personal token may ask, an installation token (ghs_) may not, as on GitHub.
    if (path === '/user' && method === 'GET') {
      if (who.token.startsWith('ghs_')) return json(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' });
      return json(200, userJson(who.login, this.base));
    }

    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(path)) && method === 'POST') {
      if (!who.permissions.has('statuses')) return forbidden();
      const [, owner, repo, sha] = m as unknown as [string, string, string, string];
      const problems = validateStatus(body);
      if (problems) return json(422, { message: 'Validation Failed', errors: problems, documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status', status: '422' });
      if (this.knownCommits && !this.knownCommits.has(sha)) return json(422, { message: `No commit found for SHA: ${sha}`, documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status', status: '422' });
      const status: FakeStatus = {
        owner, repo, sha,
        state: String(body.state),
        description: typeof body.description === 'string' ? body.description : null,
        target_url: typeof body.target_url === 'string' ? body.target_url : null,
        context: typeof body.context === 'string' ? body.context : 'default',
        id: this.nextId++,
        by: who.token,
      };
      this.statuses.push(status);
      return json(201, this.statusJson(status, who.login), { location: `${this.base}/repos/${owner}/${repo}/statuses/${sha}` });
    }

    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      if (!who.permissions.has('pull_requests')) return forbidden();
      const [, owner, repo, n] = m as unknown as [string, string, string, string];
      const issue = Number(n);
      if (method === 'GET') {
        const all = this.comments.filter((c) => c.owner === owner && c.repo === repo && c.issue === issue);
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(`${this.base}${path}`);
          next.searchParams.set('per_page', String(perPage));
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.href}>; rel="next"`;
        }
        return json(200, slice.map((c) => this.commentJson(c)), headers);
      }
      if (method === 'POST') {
        if (typeof body.body !== 'string') return json(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
        if (body.body.length > 65536) return json(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], status: '422' });
        const comment: FakeComment = { owner, repo, issue, id: this.nextId++, body: body.body, user: who.login, updates: 0 };
        this.comments.push(comment);
        return json(201, this.commentJson(comment));
      }
    }

    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)) && method === 'PATCH') {
      if (!who.permissions.has('pull_requests')) return forbidden();
      const comment = this.comments.find((c) => c.id === Number(m![3]) && c.owner === m![1] && c.repo === m![2]);
      if (!comment) return json(404, { message: 'Not Found', status: '404' });
      if (comment.user !== who.login) return forbidden();
      if (typeof body.body !== 'string') return json(422, { message: 'Invalid request.', status: '422' });
      comment.body = body.body;
      comment.updates++;
      return json(200, this.commentJson(comment));
    }

    return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  private authenticate(authorization: string | null): { token: string; login: string; permissions: Set<Permission> } | null {
    const token = /^(?:token|bearer) (\S+)$/i.exec(authorization ?? '')?.[1];
    const known = token ? this.tokens.get(token) : undefined;
    return token && known ? { token, ...known } : null;
  }

  private installationToken(authorization: string | null, installationId: number): Response {
    const jwt = /^bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!this.app || !jwt || !verifyJwt(jwt, this.app.publicKey, this.app.id)) {
      return json(401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    if (installationId !== this.app.installationId) return json(404, { message: 'Not Found', status: '404' });
    const token = `ghs_fake${this.nextId++}installation${Math.random().toString(36).slice(2, 10)}`;
    this.allow(token, ['statuses', 'pull_requests'], `converge-app[bot]`);
    return json(201, {
      token,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: { statuses: 'write', pull_requests: 'write', metadata: 'read' },
      repository_selection: 'selected',
    });
  }

  // The shape GitHub answers with (checked against its recorded response in the fixtures-server test).
  private statusJson(s: FakeStatus, login: string): Record<string, unknown> {
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      url: `${this.base}/repos/${s.owner}/${s.repo}/statuses/${s.sha}`,
      avatar_url: 'https://avatars.githubusercontent.com/u/31898046?v=4',
      id: s.id,
      node_id: Buffer.from(`Status${s.id}`).toString('base64'),
      state: s.state,
      description: s.description,
      target_url: s.target_url,
      context: s.context,
      created_at: at,
      updated_at: at,
      creator: userJson(login, this.base),
    };
  }

  private commentJson(c: FakeComment): Record<string, unknown> {
    return {
      url: `${this.base}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.base}/repos/${c.owner}/${c.repo}/issues/${c.issue}`,
      id: c.id,
      node_id: Buffer.from(`IssueComment${c.id}`).toString('base64'),
      user: userJson(c.user, this.base),
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      author_association: 'NONE',
      body: c.body,
    };
  }
}

function validateStatus(body: Record<string, unknown>): unknown[] | null {
  const errors: unknown[] = [];
  if (!['error', 'failure', 'pending', 'success'].includes(String(body.state))) errors.push({ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' });
  if (typeof body.description === 'string' && body.description.length > 140) errors.push({ resource: 'Status', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' });
  if (typeof body.context === 'string' && body.context.length > 255) errors.push({ resource: 'Status', code: 'custom', field: 'context', message: 'context is too long' });
  return errors.length ? errors : null;
}

function forbidden(): Response {
  return json(403, { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest', status: '403' });
}

function userJson(login: string, base: string): Record<string, unknown> {
  const url = `${base}/users/${login}`;
  return {
    login,
    id: 1000,
    node_id: 'MDA6RW50aXR5MQ==',
    avatar_url: 'https://avatars.githubusercontent.com/u/1000?v=4',
    gravatar_id: '',
    url,
    html_url: `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}

function verifyJwt(jwt: string, key: KeyObject, appId: string): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return false;
  const ok = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  if (!ok) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number };
  return String(claims.iss) === appId && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-github-media-type': 'github.v3; format=json',
      ...headers,
    },
  });
}
