// Fleet scale through the status store: N simulated agents (many per
// process, each with its own SAS scoped to its own blob, through the agent's
// own code: report/blob-store.ts) write one report each after a merge, to
// Azurite, while `converge status aggregate --interval I` (the real CLI, its
// own process) commits them to a local bare remote. Prints the time from the
// last report written until all are on the status branch, pushes per minute,
// the aggregator's peak memory; then one --once pass over the whole fleet at
// once (a burst) and one over an unchanged fleet.
//   npm run build && npx tsx bench/scale/aggregate.ts [--hosts 1000,10000] [--concurrency 64] [--interval 60s]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobSASPermissions, ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, startAzurite } from '../../controller/test/helpers/azurite.js';
import { BlobReportStore, reportBlobName } from '../../controller/src/report/blob-store.js';
import type { OutboxEntry } from '../../controller/src/report/outbox.js';
import { BIN, arg, git, scratch } from '../agent/support.js';

const sizes = arg('hosts', '1000,10000').split(',').map(Number);
const concurrency = Number(arg('concurrency', '64'));
const interval = arg('interval', '60s');

async function pool<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** Run the aggregator as its own process (`extra`: --once, or --interval); its wall time and peak resident memory (VmHWM). */
function aggregate(config: string, workDir: string, extra: string[] = ['--once'], signal?: AbortSignal): Promise<{ ms: number; peakMb: number; out: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'status', 'aggregate', ...extra, '--config', config, '--work-dir', workDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    signal?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
    let out = '';
    let peakMb = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const sample = setInterval(() => {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peakMb = Math.max(peakMb, kb / 1024);
      } catch {
        // exited
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(sample);
      if (code !== 0) reject(new Error(`aggregate exited ${code}: ${out}`));
      else resolve({ ms: Date.now() - started, peakMb, out: out.trim() });
    });
  });
}

async function run(n: number): Promise<void> {
  const dir = scratch('converge-bench-scale-');
  const azurite = await startAzurite({ inMemory: true });
  try {
    const bare = path.join(dir, 'fleet.git');
    git(dir, 'init', '-q', '--bare', bare);
    const container = new ContainerClient(`${azurite.url}/fleet-status`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY));
    await container.create();
    writeFileSync(path.join(dir, 'account-key'), DEV_KEY, { mode: 0o600 });
    const config = path.join(dir, 'aggregator.json');
    const status = { store: 'azure-blob', url: azurite.url, container: 'fleet-status', credential: 'shared-key', accountKeyFile: path.join(dir, 'account-key') };
    writeFileSync(config, JSON.stringify({ host: 'aggregator', repo: `file://${bare}`, trust: { allowUnsigned: true }, stateDir: path.join(dir, 'agg'), status }));

    // The simulated fleet: one SAS per host (scoped to its blob), one queued report each, as after one merge.
    const key = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
    const expiresOn = new Date(Date.now() + 3_600_000);
    const hosts = Array.from({ length: n }, (_, i) => `host-${String(i).padStart(5, '0')}`);
    const entries = new Map<string, OutboxEntry>();
    const stores = new Map<string, BlobReportStore>();
    const commit = 'c0ffee0'.padEnd(40, '0');
    for (const host of hosts) {
      const sasFile = path.join(dir, 'sas', `${host}.sas`);
      mkdirSync(path.dirname(sasFile), { recursive: true });
      writeFileSync(sasFile, generateBlobSASQueryParameters({ containerName: 'fleet-status', blobName: reportBlobName(host), permissions: BlobSASPermissions.parse('rcw'), expiresOn }, key).toString());
      stores.set(host, BlobReportStore.open({ ...status, credential: 'sas', sasFile, shardAbove: 2000 } as never, host));
      const edir = path.join(dir, 'outbox', host);
      mkdirSync(edir, { recursive: true });
      const at = new Date().toISOString();
      const doc = { version: 1, host, reportId: `${host}-1`, result: 'changed', event: `${host}: applied ${commit.slice(0, 7)} (2 changed)`, endedAt: at, applied: commit, commit, summary: { total: 12, changed: 2, failed: 0 }, resources: [{ id: 'file:/etc/app/app.conf', status: 'changed' }, { id: 'file:/etc/app/motd', status: 'changed' }], agent: { mode: 'enforce', interval: '15m', heartbeat: '24h' } };
      writeFileSync(path.join(edir, 'status.json'), JSON.stringify(doc, null, 2) + '\n');
      writeFileSync(path.join(edir, 'STATUS.md'), `# ${host}: changed\n\napplied ${commit.slice(0, 7)}, 2 changed\n`);
      entries.set(host, { seq: 1, id: `${host}-1`, dir: edir, message: `${doc.event}\n`, at, drift: false });
    }

    // The aggregator runs as it would in production, passing every interval while the reports arrive.
    const stop = new AbortController();
    process.once('exit', () => stop.abort());
    const looping = aggregate(config, path.join(dir, 'agg-loop'), ['--interval', interval], stop.signal);
    const writeStart = Date.now();
    let lastWritten = 0;
    // A write that fails stays queued on the device and goes out at its next poll, as the agent does (here after 1 s).
    let retried = 0;
    const deliver = async (host: string, entry: OutboxEntry) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await stores.get(host)!.deliver([entry], async () => undefined);
          return;
        } catch (error) {
          if (attempt >= 30) throw error;
          retried++;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    await pool(hosts, concurrency, async (host) => {
      await deliver(host, entries.get(host)!);
      lastWritten = Date.now();
    });
    const writeMs = lastWritten - writeStart;
    const indexed = () => {
      try {
        return Object.keys(JSON.parse(execFileSync('git', ['show', 'status:state/index.json'], { cwd: bare, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })).hosts).length;
      } catch {
        return 0;
      }
    };
    while (indexed() < n) await new Promise((r) => setTimeout(r, 500));
    const toBranch = Date.now() - lastWritten;
    const elapsedMin = (Date.now() - writeStart) / 60_000;
    stop.abort();
    const loop = await looping;
    const commits = Number(git(bare, 'rev-list', '--count', 'status').trim());
    const events = git(bare, 'log', '--format=%b', 'status').split('\n').filter((l) => /^host-\d+: applied/.test(l)).length;
    const onBranch = git(bare, 'ls-tree', '-r', '--name-only', 'status').split('\n').filter((f) => f.endsWith('/status.json')).length;
    console.log(
      `${String(n).padStart(6)} hosts, aggregator every ${interval}: ${n} reports written in ${(writeMs / 1000).toFixed(1)} s (${Math.round(n / (writeMs / 1000))}/s, 1 store request each, ${concurrency} at a time, ${retried} retried at the next poll); ` +
        `last written → all ${onBranch} on the status branch in ${(toBranch / 1000).toFixed(1)} s; ${commits} pushes in ${elapsedMin.toFixed(1)} min (one a pass, passes ${interval} apart), ` +
        `${events} event lines (each once); aggregator peak RSS ${loop.peakMb.toFixed(0)} MB` + (n === 10000 ? '   [target: < 120 s, ≤ 1 push/min]' : ''),
    );
    if (onBranch !== n || events !== n) throw new Error(`expected ${n} hosts and events, got ${onBranch}, ${events}`);

    // A burst: every host's report changed at once, one pass over all of them (a fresh aggregator branch: the whole fleet is new to it).
    await pool(hosts, concurrency, async (host) => {
      const e = entries.get(host)!;
      await deliver(host, { ...e, id: `${host}-2`, message: e.message.replace('applied', 'reapplied') });
    });
    const burst = await aggregate(config, path.join(dir, 'agg-loop'));
    const quiet = await aggregate(config, path.join(dir, 'agg-loop'));
    console.log(
      `${String(n).padStart(6)} hosts, one pass: all ${n} changed → ${(burst.ms / 1000).toFixed(1)} s (peak RSS ${burst.peakMb.toFixed(0)} MB, 1 push); ` +
        `unchanged fleet → ${(quiet.ms / 1000).toFixed(1)} s, ${Math.ceil(n / 5000)} listing request(s), no push (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
    );
  } finally {
    await azurite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of sizes) await run(n);
console.log(`\nreproduce: npm run build && npx tsx bench/scale/aggregate.ts --hosts ${sizes.join(',')} --concurrency ${concurrency} --interval ${interval}`);
