// Merge → status commit: how long after a signed commit lands on main does
// the agent's status commit for it land on the status branch, with poll 2s on
// a local remote. Each merge changes one file of the host.
//   npx tsx bench/agent/merge-latency.ts [--merges 20] [--poll 2s]
import { rmSync } from 'node:fs';
import { agentConfig, arg, percentile, reproduce, scratch, signedOrigin, smallHost, startAgent, statusCount, until, git } from './support.js';

const merges = Number(arg('merges', '20'));
const poll = arg('poll', '2s');

async function main(): Promise<void> {
  const dir = scratch('converge-bench-merge-');
  const origin = signedOrigin(dir, smallHost('lat'));
  const agent = startAgent(agentConfig(dir, 'lat', origin.url, origin.signers, { poll, interval: '24h' }), 'info');
  const latencies: number[] = [];
  try {
    await until('the first status commit', () => statusCount(origin.bare) === 1);
    for (let i = 1; i <= merges; i++) {
      // Merges arrive at random moments relative to the poll.
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
      const before = statusCount(origin.bare);
      const commit = origin.commit(smallHost('lat', `merge-${i}`), `merge ${i}`);
      const pushed = Date.now();
      await until(`the status commit for merge ${i}`, () => statusCount(origin.bare) > before, 60_000);
      latencies.push(Date.now() - pushed);
      const subject = git(origin.bare, 'log', '-1', '--format=%s', 'status').trim();
      if (!subject.includes(commit.slice(0, 7))) throw new Error(`unexpected status commit: ${subject}`);
    }
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`merges: ${merges}, poll ${poll}, local file:// remote`);
  console.log(`merge → status commit: p50 ${s(percentile(latencies, 50))}, p95 ${s(percentile(latencies, 95))}, max ${s(Math.max(...latencies))}, min ${s(Math.min(...latencies))}   [target p95 < 5 s]`);
  reproduce('merge-latency.ts', ['--merges', String(merges), '--poll', poll]);
}

await main();
