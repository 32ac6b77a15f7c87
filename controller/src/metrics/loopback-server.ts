// The metrics endpoint: plain HTTP on a loopback address only. An address
// that is not loopback (or a name that resolves to one) is refused.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConvergeError, messageOf } from '../platform/errors.js';

/** `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464` split into host and port. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConvergeError('invalid-input', `metrics: '${text}' is not host:port (like 127.0.0.1:9464)`);
  return { host: (m[1] ?? m[2])!, port };
}

/** True for 127.0.0.0/8 and ::1 (and IPv4-mapped 127.x). */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

/** Serve `GET /metrics` of `registry` on a loopback address. */
export async function serveMetrics(registry: Registry, address: string): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const { host, port } = parseListenAddress(address);
  const ip = isIP(host) ? host : (await lookup(host).catch(() => ({ address: '' }))).address;
  if (!ip || !isLoopback(ip)) throw new ConvergeError('invalid-input', `metrics: ${host} is not a loopback address; the endpoint is only ever served on 127.0.0.1 or ::1`);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('converge metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${messageOf(error)}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ConvergeError('io', `metrics: cannot listen on ${address}: ${messageOf(error)}`, { cause: error })));
    server.listen({ host: ip, port, exclusive: true }, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  if (!isLoopback(bound.address)) {
    server.close();
    throw new ConvergeError('internal', `metrics: bound to ${bound.address}, which is not loopback; closed`);
  }
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}/metrics`;
  return {
    server,
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
