// Azurite, Microsoft's Azure Storage emulator (from npm), as a real blob
// service for tests: started on a free port of the suite's range with its data
// in a temp folder, telemetry off (it would otherwise call out to the
// internet), stopped after the test file.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './cli.js';
import { closeServer, listenInRange } from './ports.js';

export const AZURITE_BIN = path.join(PROJECT_ROOT, 'node_modules/.bin/azurite-blob');
/** The emulator's well-known development account (public, in Microsoft's docs). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** True when azurite is installed (npm ci). */
export function azuriteAvailable(): boolean {
  return existsSync(AZURITE_BIN);
}

export interface Azurite {
  port: number;
  /** The blob service URL, http://127.0.0.1:PORT/devstoreaccount1. */
  url: string;
  /** Stop it (connections are then refused); its data stays for start(). */
  stop(): Promise<void>;
  /** Start it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stop it and remove its data. */
  close(): Promise<void>;
}

/** Start Azurite's blob service; `inMemory` keeps its data in memory (benchmarks: the disk of a shared machine is not Azure's). */
export async function startAzurite(options: { inMemory?: boolean } = {}): Promise<Azurite> {
  const location = mkdtempSync(path.join(os.tmpdir(), 'converge-azurite-'));
  let child: ChildProcess | null = null;
  let port = 0;
  const launch = (p: number) =>
    new Promise<boolean>((resolve, reject) => {
      const c = spawn(AZURITE_BIN, ['--blobHost', '127.0.0.1', '--blobPort', String(p), ...(options.inMemory ? ['--inMemoryPersistence'] : ['--location', location]), '--disableTelemetry', '--skipApiVersionCheck', '--loose'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let settled = false;
      const timer = setTimeout(() => reject(new Error(`azurite did not start within 30 s: ${out}`)), 30_000);
      const onData = (chunk: Buffer) => {
        if (settled) return;
        out += chunk.toString();
        if (/successfully listens/.test(out)) {
          settled = true;
          clearTimeout(timer);
          child = c;
          resolve(true);
        } else if (/EADDRINUSE/.test(out)) {
          settled = true;
          clearTimeout(timer);
          c.kill();
          resolve(false);
        }
      };
      c.stdout.on('data', onData);
      c.stderr.on('data', onData);
      c.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (child === c) console.error(`azurite on port ${p} exited unasked (${signal ?? code})`);
        if (child !== c) resolve(false);
        if (code !== 0 && !/EADDRINUSE/.test(out)) reject(new Error(`azurite exited ${code}: ${out}`));
      });
    });
  for (let attempt = 0; attempt < 10 && !child; attempt++) {
    const probe = net.createServer();
    port = await listenInRange(probe);
    await closeServer(probe);
    await launch(port);
  }
  if (!child) throw new Error('azurite found no free port');
  const stop = async () => {
    const c = child as ChildProcess | null;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  return {
    port,
    url: `http://127.0.0.1:${port}/${DEV_ACCOUNT}`,
    stop,
    async start() {
      if (!(await launch(port))) throw new Error(`azurite could not listen on ${port} again`);
    },
    async close() {
      await stop();
      rmSync(location, { recursive: true, force: true });
    },
  };
}
