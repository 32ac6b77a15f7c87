// Idle cost of the agent: CPU time per poll when nothing changed (one
// ls-remote, no fetch), over file://, smart HTTP and ssh://; and resident
// memory over many idle polls (an hour of 30 s polls is 120; the loop runs
// far more, with a fast poll). In the HTTP phase the server counts exactly
// what the agent asked for (ref listings vs fetches) and the agent logs at
// info, as in production; the other phases count polls from its debug log.
//   npx tsx bench/agent/idle-poll.ts [--polls 1200] [--cpu-polls 300] [--poll 50ms]
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { startGitHttp } from '../../controller/test/agent/support/http-git.js';
import { sshdAvailable, startSshd } from '../../controller/test/agent/support/sshd.js';
import { agentConfig, arg, cpuOf, memOf, reproduce, rssOf, scratch, signedOrigin, smallHost, startAgent, statusCount, until } from './support.js';
import type { AgentProcess } from './support.js';

const polls = Number(arg('polls', '1200'));
const cpuPolls = Number(arg('cpu-polls', '300'));
const poll = arg('poll', '50ms');

interface Counter {
  polls(): number;
  fetches(): number;
}

async function measure(label: string, url: string, n: number, dir: string, bare: string, signers: string, level: string, counter: (agent: AgentProcess) => Counter, env: Record<string, string> = {}, memory = false): Promise<void> {
  const config = agentConfig(dir, `idle-${label.replace(/[^a-z]/g, '')}`, url, signers, { poll, interval: '24h', heartbeat: '24h' });
  const agent = startAgent(config, level, env);
  const count = counter(agent);
  try {
    const pid = agent.child.pid!;
    const before = statusCount(bare);
    await until('the first status commit', () => statusCount(bare) === before + 1).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${agent.lines().slice(-20).join('\n')}`);
    });
    const warm = count.polls();
    await until('the agent to be idle', () => count.polls() >= warm + 5);
    const start = { polls: count.polls(), fetches: count.fetches(), cpu: cpuOf(pid), at: Date.now(), mux: muxCpu() };
    const samples: { polls: number; rss: number }[] = [{ polls: 0, rss: rssOf(pid) }];
    const every = Math.max(1, Math.floor(n / 12));
    while (count.polls() - start.polls < n) {
      await new Promise((r) => setTimeout(r, 100));
      const done = count.polls() - start.polls;
      if (memory && done >= samples.length * every) samples.push({ polls: done, rss: rssOf(pid) });
    }
    const end = { polls: count.polls(), fetches: count.fetches(), cpu: cpuOf(pid), at: Date.now() };
    const k = end.polls - start.polls;
    const self = (end.cpu.self - start.cpu.self) / k;
    const children = (end.cpu.children - start.cpu.children) / k;
    console.log(`\n[${label}] ${k} idle polls (poll ${poll}; ${((k * 30) / 3600).toFixed(1)} h of 30 s polls) in ${((end.at - start.at) / 1000).toFixed(1)} s; fetches while idle: ${end.fetches - start.fetches}`);
    const mux = muxCpu() - start.mux;
    const muxText = mux > 0 ? ` + ${(mux / k).toFixed(1)} ms shared ssh connection` : '';
    console.log(`[${label}] CPU per idle poll: ${(self + children + mux / k).toFixed(1)} ms = ${self.toFixed(1)} ms agent process + ${children.toFixed(1)} ms git ls-remote${muxText}   [target < 20 ms]`);
    if (!memory) return;
    samples.push({ polls: k, rss: rssOf(pid) });
    const split = memOf(pid);
    const steady = samples.slice(Math.floor(samples.length / 2));
    console.log(`[${label}] RSS (MB) by polls: ${samples.map((s) => `${s.polls}:${s.rss.toFixed(1)}`).join('  ')}`);
    console.log(`[${label}] RSS at the end: ${split.rss.toFixed(1)} MB = ${split.anon.toFixed(1)} MB anonymous (heap, stacks) + ${split.file.toFixed(1)} MB file-backed (node binary, libraries); max ${Math.max(...samples.map((s) => s.rss)).toFixed(1)} MB; second half ${Math.min(...steady.map((s) => s.rss)).toFixed(1)}–${Math.max(...steady.map((s) => s.rss)).toFixed(1)} MB   [target < 80 MB, not growing]`);
  } finally {
    await agent.stop();
  }
}

/** CPU (ms) of the ssh connection masters the agent shares between polls (they run detached, outside its children). */
function muxCpu(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('converge-ssh-') || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('[mux]')) continue;
      total += cpuOf(Number(pid)).self;
    } catch {
      // gone
    }
  }
  return total;
}

/** Polls and fetches from the agent's debug log. */
function fromLog(agent: AgentProcess): Counter {
  const count = (msg: string) => agent.lines().filter((l) => l.includes(`"msg":"${msg}"`)).length;
  return { polls: () => count('polled'), fetches: () => count('fetching') };
}

async function main(): Promise<void> {
  const dir = scratch('converge-bench-idle-');
  const origin = signedOrigin(dir, { ...smallHost('idle-file'), ...smallHost('idle-http'), ...smallHost('idle-ssh') });
  try {
    await measure('file://', origin.url, cpuPolls, dir, origin.bare, origin.signers, 'debug', fromLog);

    let adverts = 0;
    let fetches = 0;
    const server = await startGitHttp(dir, 8150, (req) => {
      if (req.method === 'GET' && req.url?.includes('/info/refs')) adverts++;
      // Protocol v2 lists refs with a POST too (command=ls-refs); only command=fetch is a fetch.
      if (req.method === 'POST' && req.url?.endsWith('/git-upload-pack')) {
        let head = '';
        req.on('data', (chunk: Buffer) => {
          if (head.length >= 200) return;
          head += chunk.toString('latin1');
          if (head.includes('command=fetch') || /^[0-9a-f]{4}want /.test(head)) {
            fetches++;
            head = 'x'.repeat(200);
          }
        });
      }
    });
    try {
      await measure('http', server.url('origin.git'), polls, dir, origin.bare, origin.signers, 'info', () => ({ polls: () => adverts, fetches: () => fetches }), {}, true);
    } finally {
      await server.stop();
    }

    if (sshdAvailable()) {
      const sshd = await startSshd(scratch('converge-bench-sshd-'));
      try {
        await measure('ssh://', sshd.url(origin.bare), cpuPolls, dir, origin.bare, origin.signers, 'debug', fromLog, sshd.env);
      } finally {
        await sshd.stop();
      }
    } else {
      console.log('\n[ssh://] skipped: no sshd (apt-get install openssh-server)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  reproduce('idle-poll.ts', ['--polls', String(polls), '--cpu-polls', String(cpuPolls), '--poll', poll]);
}

await main();
