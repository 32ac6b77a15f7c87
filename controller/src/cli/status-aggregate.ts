// converge status aggregate: commit the reports that hosts wrote to the status
// store onto the status branch, one signed commit an interval. Run it from a
// scheduled CI job (--once), or on a device as a daemon with --lease so only
// one of several runs at a time.
import path from 'node:path';
import process from 'node:process';
import { loadConfig, defaultConfigPath } from '../agent/config.js';
import { durationToMs } from '../platform/duration-ms.js';
import { resolveConfig } from '../agent/resolved-config.js';
import { openContainer } from '../report/blob-client.js';
import { AggregateBranch } from '../report/aggregate/commit.js';
import { aggregateLoop, aggregateOnce } from '../report/aggregate/run.js';
import { acquireLease } from '../report/aggregate/lease.js';
import { createLogger } from '../platform/logger.js';
import type { LogLevel } from '../platform/logger.js';
import { ConvergeError } from '../platform/errors.js';
import { Printer } from './output.js';
import type { PassResult } from '../report/aggregate/run.js';
import type { AgentConfig } from '../agent/config-schema.js';
import type { Logger } from '../platform/logger.js';
import { messageOf } from '../platform/errors.js';
import { remoteHead } from '../source/remote.js';
import { readGitHubAuth } from '../github/auth.js';
import { createGitHubClient } from '../github/client.js';
import { parseRepo, repoFromGitUrl, webUrlOf } from '../github/repository.js';
import { FleetStatusPoster } from '../github/fleet-statuses.js';
import { Scrubber } from '../platform/scrubber.js';
import { mkdir } from 'node:fs/promises';
import { writePointer } from '../agent/head-pointer.js';

export interface AggregateFlags {
  config?: string;
  once?: boolean;
  interval?: string;
  lease?: boolean;
  workDir?: string;
  logLevel?: LogLevel;
  json?: boolean;
}

export async function statusAggregateCommand(flags: AggregateFlags): Promise<number> {
  const file = flags.config ?? defaultConfigPath();
  const config = resolveConfig(loadConfig(file));
  if (!config.status) throw new ConvergeError('invalid-input', `${file}: status: is not set: the hosts push to the status branch themselves, there is nothing to aggregate (see docs/scale.md)`);
  let intervalMs = 60_000;
  if (flags.interval) {
    try {
      intervalMs = durationToMs(flags.interval);
    } catch {
      throw new ConvergeError('invalid-input', `--interval must be a duration like 1m or 5m (got ${flags.interval})`);
    }
  }
  const log = createLogger({ level: flags.logLevel ?? 'info' });
  const container = await openContainer(config.status);
  const branch = await AggregateBranch.open(flags.workDir ?? path.join(config.stateDir, 'aggregate'), {
    url: config.statusRepo ?? config.repo,
    branch: config.statusBranch,
    signingKey: config.status.signingKey,
    shardAbove: config.status.shardAbove,
  });
  const out = new Printer();
  const statuses = config.github ? await fleetStatuses(config, log, path.join(config.stateDir, 'aggregate')) : null;
  const report = async (r: PassResult) => {
    if (flags.json) out.line(JSON.stringify({ ...r, index: undefined }));
    if (statuses) await statuses(r).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'commit statuses not set; trying again after the next pass'));
  };
  if (flags.once) {
    const lease = flags.lease ? await acquireLease(container) : null;
    if (flags.lease && !lease) {
      out.line('another aggregator holds the lease; nothing done');
      return 0;
    }
    try {
      const r = await aggregateOnce(container, branch);
      await report(r);
      if (!flags.json) out.line(r.commit ? `committed ${r.events} event(s) of ${r.hosts} host(s) as ${r.commit.slice(0, 7)} (${r.fleet} hosts in the store)` : `nothing new (${r.fleet} hosts in the store)`);
      for (const s of r.skipped) if (!flags.json) out.line(`skipped ${s.blob}: ${s.reason}`);
      return 0;
    } finally {
      await lease?.release();
    }
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await aggregateLoop({ container, branch, intervalMs, lease: flags.lease ?? false, log, signal: controller.signal, onPass: report });
    return 0;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

export interface PointerFlags {
  config?: string;
  commit: string;
  branch?: string;
}

/** converge status pointer: CI writes where the fleet branch is, after each merge. */
export async function statusPointerCommand(flags: PointerFlags): Promise<number> {
  const file = flags.config ?? defaultConfigPath();
  const config = loadConfig(file);
  if (!config.status) throw new ConvergeError('invalid-input', `${file}: status: is not set: there is no store to write the pointer to`);
  const branch = flags.branch ?? config.branch;
  await writePointer(config.status, branch, flags.commit);
  new Printer().line(`${config.status.pointer}: ${branch} at ${flags.commit.slice(0, 7)}`);
  return 0;
}

/** With github: in the config, the fleet's summary statuses on the fleet head after each pass (at most one pass an interval). */
async function fleetStatuses(config: AgentConfig, log: Logger, workDir: string): Promise<(r: PassResult) => Promise<void>> {
  const github = config.github!;
  const webHost = new URL(webUrlOf(github.apiUrl)).host;
  const repo = github.repository ? parseRepo(github.repository) : repoFromGitUrl(config.repo, webHost);
  if (!repo) throw new ConvergeError('invalid-input', `github.repository is needed: repo: ${config.repo} is not a ${webHost} URL`);
  const scrubber = new Scrubber();
  const poster = new FleetStatusPoster({ repo, client: async () => createGitHubClient({ auth: await readGitHubAuth(github), apiUrl: github.apiUrl, scrubber, log }) });
  await mkdir(workDir, { recursive: true });
  return async (r) => {
    const head = await remoteHead(config.repo, config.branch, workDir);
    if (!head) return;
    const calls = await poster.post(head, r.index, r.fleet);
    if (calls) log.info({ head: head.slice(0, 12), calls }, 'commit statuses set');
  };
}
