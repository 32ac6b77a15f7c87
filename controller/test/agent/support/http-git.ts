// Smart HTTP git remotes: a small HTTP server on 127.0.0.1 that runs git's
// own `git http-backend` as a CGI for each request (fetch and push). Ports
// 8100-8199 belong to these tests. It can be stopped and started again on the
// same port, which is how tests take a remote down and bring it back.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/** True when git-http-backend is installed. */
export function httpBackendAvailable(): boolean {
  return existsSync(HTTP_BACKEND);
}

export interface GitHttpServer {
  port: number;
  /** http:// URL of a repository under the project root (a path relative to it). */
  url(rel: string): string;
  /** Stop answering (connections are refused). */
  stop(): Promise<void>;
  /** Answer again on the same port. */
  start(): Promise<void>;
}

/**
 * Serve every repository under `projectRoot` on the first free port of 8100-8199; `onRequest` sees each request
 * (benchmarks count polls with it). With `login` ("user:password") every request needs that HTTP Basic login.
 */
export async function startGitHttp(projectRoot: string, firstPort = 8100, onRequest?: (req: http.IncomingMessage) => void, login?: string): Promise<GitHttpServer> {
  let server: http.Server | null = null;
  let port = 0;
  const listen = async (p: number): Promise<void> => {
    const s = http.createServer((req, res) => {
      onRequest?.(req);
      if (login && req.headers.authorization !== `Basic ${Buffer.from(login).toString('base64')}`) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fleet"' }).end();
        return;
      }
      handle(projectRoot, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => resolve());
    });
    server = s;
    port = (s.address() as AddressInfo).port;
  };
  for (let p = firstPort; p <= 8199 && !server; p++) {
    try {
      await listen(p);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
  if (!server) throw new Error('no free port in 8100-8199 for git http-backend');
  return {
    port,
    url: (rel) => `http://127.0.0.1:${port}/${rel.replace(/^\//, '')}`,
    async stop() {
      const s = server as http.Server | null;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (!server) await listen(port);
    },
  };
}

function handle(projectRoot: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    // A user name enables receive-pack (push), as a server with authentication would.
    REMOTE_USER: 'converge-test',
  };
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const cgi = spawn(HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i === -1) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.stdout.on('end', () => res.end());
  cgi.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
