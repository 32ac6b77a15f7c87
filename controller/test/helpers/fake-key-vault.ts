// A FAKE of the Azure Key Vault service, for tests (there is no Key Vault on
// this machine). It speaks the REST protocol the real @azure/keyvault-secrets
// client uses, so the SDK, its challenge handling and @azure/identity run for
// real against it:
//   - the vault: HTTPS with a certificate for *.vault.azure.net from a test CA
//     (trusted through NODE_EXTRA_CA_CERTS); a request without a valid bearer
//     token gets 401 + WWW-Authenticate (the challenge); GET /secrets/{name}
//     answers 200 {value, id, attributes}, 404 SecretNotFound or 403 Forbidden,
//     with the bodies the service sends;
//   - the token endpoint of App Service managed identity (IDENTITY_ENDPOINT +
//     IDENTITY_HEADER), which @azure/identity's ManagedIdentityCredential uses;
//   - Entra ID's token endpoint for an app registration that signs in with a
//     certificate (POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
//     with a client_assertion JWT, whose signature is checked against the
//     registered certificate), which ClientCertificateCredential uses;
//   - an HTTP CONNECT proxy (HTTPS_PROXY) that tunnels https://<name>.vault.azure.net
//     and https://login.microsoftonline.com to the fakes and refuses every other
//     host, so the vault URL stays a real Key Vault name and nothing weakens the
//     SDK's challenge verification.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createPublicKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { closeServer, listenInRange } from './ports.js';

export interface FakeKeyVault {
  /** https://<name>.vault.azure.net */
  readonly url: string;
  /** Environment for a converge process that should reach this vault. */
  readonly env: Record<string, string>;
  set(name: string, value: string): void;
  remove(name: string): void;
  /** Answer 403 Forbidden for this secret (the identity lacks get permission). */
  deny(name: string): void;
  /** Forget every secret and denial (between tests). */
  reset(): void;
  /** Stop answering: the proxy can no longer reach the vault (502). */
  down(): Promise<void>;
  /** Answer again. */
  up(): Promise<void>;
  /** Secret names the vault was asked for with a valid token, in order. */
  readonly reads: string[];
  /** How many tokens the managed-identity endpoint issued. */
  readonly tokensIssued: number;
  /** The access tokens issued (they must not leak either). */
  readonly tokens: string[];
  /** Register an app that signs in with a new certificate; the PEM (certificate + key) is written to `file`. */
  registerApp(file: string): { tenantId: string; clientId: string };
  close(): Promise<void>;
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const LOGIN = 'login.microsoftonline.com';
const API_VERSIONS = new Set(['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01']);

/** Start the vault `name` (`https://<name>.vault.azure.net`), its token endpoint and the proxy. */
export async function startFakeKeyVault(name: string): Promise<FakeKeyVault> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'converge-fake-kv-'));
  const tls = makeCertificates(dir);
  const host = `${name}.vault.azure.net`;
  const url = `https://${host}`;
  const secrets = new Map<string, { value: string; version: string; updated: number }>();
  const denied = new Set<string>();
  const reads: string[] = [];
  const tokens: string[] = [];
  const identityHeader = randomBytes(16).toString('hex');
  const apps = new Map<string, KeyObject>();
  const issue = () => {
    const token = `fake-kv-token-${randomBytes(18).toString('hex')}`;
    tokens.push(token);
    return token;
  };

  const vault = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (req.headers.host === LOGIN) return entraToken(req, res, apps, issue);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-keyvault-service-version': '1.9.0.0', ...headers });
      res.end(JSON.stringify(body));
    };
    const challenge = { 'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"` };
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return reply(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, challenge);
    if (!tokens.includes(auth.slice(7))) return reply(401, { error: { code: 'Unauthorized', message: 'AKV10032: Invalid issuer.' } }, challenge);
    const u = new URL(req.url ?? '/', url);
    const version = u.searchParams.get('api-version');
    if (!version || !API_VERSIONS.has(version)) return reply(400, { error: { code: 'BadParameter', message: 'The specified version is not supported.' } });
    const m = /^\/secrets\/([0-9a-zA-Z-]{1,127})(?:\/([0-9a-f]{32})?)?\/?$/.exec(u.pathname);
    if (!m || req.method !== 'GET') return reply(405, { error: { code: 'MethodNotAllowed', message: 'The requested operation is not supported.' } });
    const secretName = m[1]!;
    reads.push(secretName);
    if (denied.has(secretName)) {
      return reply(403, {
        error: {
          code: 'Forbidden',
          message: `Caller is not authorized to perform action on resource.\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.keyvault/vaults/${name}/secrets/${secretName}'\r\nDecisionReason: 'DeniedWithNoValidRBAC'\r\nVault: ${name};location=westeurope\r\n`,
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
    }
    const secret = secrets.get(secretName);
    if (!secret) {
      return reply(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${secretName} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182` } });
    }
    reply(200, {
      value: secret.value,
      id: `${url}/secrets/${secretName}/${secret.version}`,
      attributes: { enabled: true, created: secret.updated, updated: secret.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
      tags: {},
    });
  });

  const identity = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-identity-header'] !== identityHeader) return json(401, { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER is missing or wrong' });
    if (u.searchParams.get('api-version') !== '2019-08-01' || !u.searchParams.get('resource')) return json(400, { statusCode: 400, message: 'api-version and resource are required' });
    json(200, { access_token: issue(), expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: u.searchParams.get('resource'), token_type: 'Bearer', client_id: '00000000-0000-0000-0000-0000000000aa' });
  });

  let vaultPort = await listenInRange(vault);
  const identityPort = await listenInRange(identity);
  let vaultUp = true;

  const tunnels = new Set<net.Socket>();
  const proxy = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end('this proxy only tunnels (CONNECT)\n');
  });
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.add(client);
    client.on('close', () => tunnels.delete(client));
    client.on('error', () => client.destroy());
    if (req.url !== `${host}:443` && req.url !== `${LOGIN}:443`) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (!vaultUp) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = net.connect(vaultPort, '127.0.0.1');
    tunnels.add(upstream);
    upstream.on('close', () => tunnels.delete(upstream));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      else client.destroy();
    });
  });
  const proxyPort = await listenInRange(proxy);

  return {
    url,
    env: {
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: tls.caFile,
      IDENTITY_ENDPOINT: `http://127.0.0.1:${identityPort}/msi/token`,
      IDENTITY_HEADER: identityHeader,
    },
    set(secretName, value) {
      secrets.set(secretName, { value, version: randomBytes(16).toString('hex'), updated: Math.floor(Date.now() / 1000) });
    },
    remove(secretName) {
      secrets.delete(secretName);
    },
    deny(secretName) {
      denied.add(secretName);
    },
    reset() {
      secrets.clear();
      denied.clear();
      reads.length = 0;
    },
    async down() {
      vaultUp = false;
      for (const s of tunnels) s.destroy();
      await closeServer(vault);
    },
    async up() {
      if (vaultUp) return;
      vaultPort = await listenInRange(vault);
      vaultUp = true;
    },
    reads,
    get tokensIssued() {
      return tokens.length;
    },
    tokens,
    registerApp(file) {
      const clientId = `0000aaaa-${randomBytes(2).toString('hex')}-4000-8000-${randomBytes(6).toString('hex')}`;
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.crt`, '-days', '2', '-subj', `/CN=${clientId}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      const cert = readFileSync(`${file}.crt`);
      writeFileSync(file, Buffer.concat([cert, readFileSync(`${file}.key`)]), { mode: 0o600 });
      rmSync(`${file}.key`);
      rmSync(`${file}.crt`);
      apps.set(clientId, new X509Certificate(cert).publicKey);
      return { tenantId: TENANT, clientId };
    },
    async close() {
      for (const s of tunnels) s.destroy();
      await Promise.all([closeServer(vault), closeServer(identity), closeServer(proxy)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * POST /{tenant}/oauth2/v2.0/token, grant client_credentials with a certificate:
 * the client_assertion must be a JWT for this endpoint, from a registered app,
 * signed (RS256 or PS256) by the key of its certificate.
 */
function entraToken(req: http.IncomingMessage, res: http.ServerResponse, apps: Map<string, KeyObject>, issue: () => string): void {
  let body = '';
  req.setEncoding('utf8').on('data', (d: string) => (body += d));
  req.on('end', () => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };
    const deny = (code: string, description: string) => json(401, { error: code, error_description: description, error_codes: [700027], correlation_id: '00000000-0000-0000-0000-000000000000' });
    const u = new URL(req.url ?? '/', `https://${LOGIN}`);
    const form = new URLSearchParams(body);
    if (req.method !== 'POST' || u.pathname !== `/${TENANT}/oauth2/v2.0/token`) return json(404, { error: 'not_found' });
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return json(400, { error: 'invalid_request', error_description: 'AADSTS900144: client_credentials with a client_assertion expected.' });
    }
    const clientId = form.get('client_id') ?? '';
    const publicKey = apps.get(clientId);
    if (!publicKey) return json(400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.` });
    const [head, payload, signature] = (form.get('client_assertion') ?? '').split('.');
    if (!head || !payload || !signature) return deny('invalid_client', 'AADSTS50027: JWT token is invalid or malformed.');
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud?: string; iss?: string; sub?: string; exp?: number };
    const signed = Buffer.from(`${head}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const key = createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }));
    const valid = header.alg === 'PS256'
      ? verify('sha256', signed, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, sig)
      : header.alg === 'RS256' && verify('sha256', signed, key, sig);
    if (!valid) return deny('invalid_client', 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.');
    if (claims.iss !== clientId || claims.sub !== clientId || !String(claims.aud).startsWith(`https://${LOGIN}/${TENANT}/`) || (claims.exp ?? 0) * 1000 < Date.now()) {
      return deny('invalid_client', 'AADSTS700024: Client assertion is not within its valid time range, or its claims are wrong.');
    }
    json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issue() });
  });
}

/** A test CA and a server certificate for *.vault.azure.net, made with openssl. */
function makeCertificates(dir: string): { key: Buffer; cert: Buffer; caFile: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=converge test CA (fake Key Vault)');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=vault.azure.net');
  writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:*.vault.azure.net,DNS:vault.azure.net,DNS:${LOGIN}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { key: readFileSync(path.join(dir, 'server.key')), cert: readFileSync(path.join(dir, 'server.pem')), caFile: path.join(dir, 'ca.pem') };
}
