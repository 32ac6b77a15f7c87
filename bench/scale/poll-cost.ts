// What one poll costs the server, for a device of a 10,000-device fleet: a
// `git ls-remote` against smart HTTP (git http-backend, as a forge serves it)
// beside a conditional read of the pointer blob (Azurite) that answers 304
// while the fleet is unchanged, through the agent's own code
// (source/remote.ts, agent/head-pointer.ts). Prints requests per poll, wall
// time per poll and the server's CPU per poll, then what a fleet of 10,000
// polling every 30 s costs the forge each way.
//   npm run build && npx tsx bench/scale/poll-cost.ts [--polls 200]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, startAzurite } from '../../controller/test/helpers/azurite.js';
import { startGitHttp } from '../../controller/test/agent/support/http-git.js';
import { remoteHead } from '../../controller/src/source/remote.js';
import { HeadPointer, writePointer } from '../../controller/src/agent/head-pointer.js';
import type { StatusStoreConfig } from '../../controller/src/agent/status-config.js';
import { arg, cpuOf, git, scratch } from '../agent/support.js';

const polls = Number(arg('polls', '200'));
const dir = scratch('converge-bench-poll-');
git(dir, 'init', '-q', '--bare', '-b', 'main', path.join(dir, 'fleet.git'));
const work = path.join(dir, 'work');
git(dir, 'init', '-q', '-b', 'main', work);
git(work, 'commit', '-q', '--allow-empty', '-m', 'fleet');
git(work, 'push', '-q', path.join(dir, 'fleet.git'), 'HEAD:refs/heads/main');
const head = git(work, 'rev-parse', 'HEAD').trim();

// The forge: git http-backend per request (its CPU is counted as this process's children).
let forgeRequests = 0;
const server = await startGitHttp(dir, 8100, () => forgeRequests++);
const before = cpuOf(process.pid);
let started = Date.now();
for (let i = 0; i < polls; i++) if ((await remoteHead(server.url('fleet.git'), 'main', dir)) !== head) throw new Error('wrong head');
const lsMs = (Date.now() - started) / polls;
const lsCpu = (cpuOf(process.pid).children - before.children) / polls;
const lsRequests = forgeRequests / polls;
await server.stop();

// The pointer: Azurite answering 304 (its CPU read from /proc of its process).
const azurite = await startAzurite({ inMemory: true });
const container = new ContainerClient(`${azurite.url}/fleet-status`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY));
await container.create();
writeFileSync(path.join(dir, 'key'), DEV_KEY);
const config: StatusStoreConfig & { pointer: string } = { store: 'azure-blob', url: azurite.url, container: 'fleet-status', credential: 'shared-key', accountKeyFile: path.join(dir, 'key'), shardAbove: 2000, pointer: 'fleet-head.json' };
await writePointer(config, 'main', head);
const pointer = new HeadPointer(config, 'main', Number.MAX_SAFE_INTEGER);
const forge = async () => head;
let now = Date.now();
await pointer.poll(forge, (now += 1)); // learns the ETag
let unchanged = 0;
started = Date.now();
for (let i = 0; i < polls; i++) if ((await pointer.poll(forge, (now += 30_000))).via === 'pointer (304)') unchanged++;
const ptrMs = (Date.now() - started) / polls;
await azurite.close();

const fleet = 10_000;
const perSecond = fleet / 30;
console.log(`git ls-remote over smart HTTP: ${lsRequests.toFixed(1)} request(s) a poll, ${lsMs.toFixed(1)} ms wall, ${lsCpu.toFixed(1)} ms CPU of git a poll (the ls-remote client and the http-backend CGI, both run here)`);
console.log(`pointer blob, If-None-Match: 1 request a poll, ${unchanged}/${polls} answered 304, ${ptrMs.toFixed(1)} ms wall a poll (Azurite, in memory)`);
console.log(
  `10,000 devices polling every 30 s: ls-remote → ${Math.round(perSecond * lsRequests)} forge requests/s (${Math.round(perSecond * lsCpu)} ms of forge CPU a second); ` +
    `pointer → ${Math.round(perSecond)} conditional store requests/s (304) and ${(fleet / 900).toFixed(1)} forge requests/s (one ls-remote per device per 15 min interval) (load average ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(`\nreproduce: npm run build && npx tsx bench/scale/poll-cost.ts --polls ${polls}`);
