// The agent's Prometheus endpoint, fed by run events and scraped over real
// HTTP on 127.0.0.1; nobody can reach it on any other address of the machine.
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AgentConfig } from '../../src/agent/config-schema.js';
import { createRunListeners } from '../../src/agent/listeners.js';
import { emit } from '../../src/agent/events.js';
import type { RunEvents } from '../../src/agent/events.js';
import { serveMetrics } from '../../src/metrics/loopback-server.js';
import { AgentMetrics } from '../../src/metrics/agent-metrics.js';
import { createLogger, silentLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';
import { describeWith } from '../helpers/components.js';
import { tempDir } from '../helpers/tmp.js';
import { reportOf } from '../github/reports.js';

const A = '3f2a1bc'.padEnd(40, '0');
const B = '9e8d7c6'.padEnd(40, '1');

async function agentWithMetrics(port: number, log = silentLogger()) {
  const config = AgentConfig.parse({ host: 'motoko', repo: 'file:///srv/fleet.git', stateDir: tempDir(), metrics: `127.0.0.1:${port}` });
  const created = await createRunListeners(config, log, new Scrubber());
  onTestFinished(() => created.close());
  const send = <K extends keyof RunEvents>(event: K, info: Parameters<NonNullable<RunEvents[K]>>[0]) =>
    emit(created.listeners, event, info, (error) => {
      throw error;
    });
  return { ...created, send };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
async function scrape(url: string): Promise<Samples> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const samples: Sample[] = [];
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return new Samples(samples);
}

class Samples {
  constructor(readonly all: Sample[]) {}
  /** The value of the one sample named `name` with (at least) these labels, host="motoko" included. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const want = { host: 'motoko', ...labels };
    const found = this.named(name).filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(want)}`);
    return found[0]?.value;
  }
  named(name: string): Sample[] {
    return this.all.filter((s) => s.name === name);
  }
}

function refused(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Every address of this machine that is not loopback (link-local IPv6 with its interface). */
function otherAddresses(): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      out.push(a.family === 'IPv6' && a.address.startsWith('fe80') ? `${a.address}%${name}` : a.address);
    }
  }
  return out;
}

describe('metrics on loopback', () => {
  it('reports the last run, the applied commit, resource counts, polls and pushes', async () => {
    const agent = await agentWithMetrics(8410);
    expect(agent.listeners).toHaveLength(1);
    const url = 'http://127.0.0.1:8410/metrics';

    await agent.send('runStarted', { host: 'motoko', commit: A, reason: 'commit' });
    expect((await scrape(url)).get('converge_run_in_progress')).toBe(1);
    await agent.send('runFinished', { report: reportOf('motoko', A, 'drifted', { changed: 2, drifted: 1, unchanged: 9 }), durationMs: 2500 });
    await agent.send('pollFinished', { ok: true, moved: false });
    await agent.send('pollFinished', { ok: false, moved: false, error: 'ls-remote: connection refused' });
    await agent.send('pushFinished', { ok: false, queued: 2, error: 'remote down' });

    let m = await scrape(url);
    expect(m.get('converge_run_in_progress')).toBe(0);
    expect(m.get('converge_last_run_result', { result: 'drifted' })).toBe(1);
    expect(m.get('converge_last_run_result', { result: 'converged' })).toBe(0);
    expect(m.get('converge_runs_total', { result: 'drifted' })).toBe(1);
    expect(m.get('converge_last_run_timestamp_seconds')).toBe(Date.parse('2026-05-01T10:00:02.500Z') / 1000);
    expect(m.get('converge_last_run_duration_seconds')).toBe(2.5);
    expect(m.get('converge_run_duration_seconds_count')).toBe(1);
    expect(m.get('converge_applied_commit_info', { commit: A })).toBe(1);
    expect(m.get('converge_last_run_resources', { state: 'changed' })).toBe(2);
    expect(m.get('converge_last_run_resources', { state: 'drifted' })).toBe(1);
    expect(m.get('converge_last_run_resources', { state: 'failed' })).toBe(0);
    expect(m.get('converge_polls_total')).toBe(2);
    expect(m.get('converge_poll_errors_total')).toBe(1);
    expect(m.get('converge_push_errors_total')).toBe(1);
    expect(m.get('converge_reports_queued')).toBe(2);
    expect(m.get('converge_process_resident_memory_bytes')).toBeGreaterThan(0);

    // A rejected commit is not in force: the applied commit stays.
    await agent.send('runFinished', { report: reportOf('motoko', B, 'rejected', {}, ['unsigned']), durationMs: 40 });
    m = await scrape(url);
    expect(m.get('converge_last_run_result', { result: 'rejected' })).toBe(1);
    expect(m.get('converge_applied_commit_info', { commit: A })).toBe(1);
    expect(m.named('converge_applied_commit_info')).toHaveLength(1);
    // The next good commit replaces it.
    await agent.send('runFinished', { report: reportOf('motoko', B, 'changed', { changed: 1 }), durationMs: 900 });
    m = await scrape(url);
    expect(m.named('converge_applied_commit_info').map((s) => s.labels.commit)).toEqual([B]);
    expect(m.get('converge_runs_total', { result: 'changed' })).toBe(1);
  });

  it('answers only /metrics', async () => {
    await agentWithMetrics(8411);
    expect((await fetch('http://127.0.0.1:8411/')).status).toBe(404);
    expect((await fetch('http://127.0.0.1:8411/metrics', { method: 'POST' })).status).toBe(405);
  });

  describeWith(otherAddresses().length > 0)('on a machine with other addresses', () => {
    it('is not reachable on any address but the configured loopback one', async () => {
      await agentWithMetrics(8412);
      expect(await refused('127.0.0.1', 8412)).toBe('connected');
      const others = [...otherAddresses(), '127.0.0.2', '::1'];
      expect(others.length).toBeGreaterThan(2);
      for (const address of others) expect([address, await refused(address, 8412)]).toEqual([address, 'ECONNREFUSED']);
    });
  });

  it('refuses an address that is not loopback, in the config and when serving', async () => {
    for (const address of ['0.0.0.0:9464', '192.0.2.2:9464', ':9464', '[::]:9464']) {
      const parsed = AgentConfig.safeParse({ host: 'motoko', repo: 'file:///x', metrics: address });
      expect(parsed.success, address).toBe(false);
      expect(parsed.error!.issues[0]!.message).toBe('metrics must be a loopback address like 127.0.0.1:9464');
    }
    const registry = new AgentMetrics('motoko').registry;
    await expect(serveMetrics(registry, '0.0.0.0:8413')).rejects.toThrow('metrics: 0.0.0.0 is not a loopback address');
    await expect(serveMetrics(registry, '[::]:8413')).rejects.toThrow('metrics: :: is not a loopback address');
    expect(await refused('127.0.0.1', 8413)).toBe('ECONNREFUSED');
  });

  it('a port in use does not stop the agent: logged, said in each run\'s report, and served once the port is free', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(8414, '127.0.0.1', resolve));
    const logFile = path.join(tempDir(), 'agent.log');
    const scrubber = new Scrubber();
    const agent = await agentWithMetrics(8414, createLogger({ level: 'info', destination: logFile, scrubber }));
    expect(readFileSync(logFile, 'utf8')).toContain('metrics endpoint not served; tried again after each run');
    // The agent puts a listener's failure into the run's status report (see agent.ts emit → notices).
    await expect(agent.send('runFinished', { report: reportOf('motoko', A, 'converged', { unchanged: 3 }), durationMs: 100 })).rejects.toThrow(
      /metrics are not served on 127\.0\.0\.1:8414: .*EADDRINUSE.*another process holds that port/,
    );
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await agent.send('runFinished', { report: reportOf('motoko', A, 'converged', { unchanged: 3 }), durationMs: 100 });
    const m = await scrape('http://127.0.0.1:8414/metrics');
    expect(m.get('converge_runs_total', { result: 'converged' })).toBe(2);
  });
});
