// Fleet scale on the status branch: N simulated hosts each deliver a queued
// report to one remote at the same moment, through the agent's own code
// (report/outbox.ts + report/status-branch.ts: fetch, rebuild on the tip,
// push, retry on conflict). A host whose delivery gives up retries on its next
// poll (here after 2 s), as the agent does. All hosts run in this process
// against a local bare repository, so the machine plays the whole fleet and
// the server at once.
//   npx tsx bench/agent/fleet-push.ts [--hosts 100,200,400]
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Outbox } from '../../controller/src/report/outbox.js';
import { StatusBranch } from '../../controller/src/report/status-branch.js';
import { backoff } from '../../controller/src/agent/schedule.js';
import { arg, git, reproduce, scratch } from './support.js';

const sizes = arg('hosts', '100,200,400').split(',').map(Number);

interface SimHost {
  name: string;
  outbox: Outbox;
  branch: StatusBranch;
}

async function simulate(n: number): Promise<void> {
  const dir = scratch('converge-bench-fleet-');
  try {
    const bare = path.join(dir, 'origin.git');
    git(dir, 'init', '-q', '--bare', bare);
    const url = `file://${bare}`;
    const hosts: SimHost[] = [];
    for (let i = 0; i < n; i++) {
      const name = `host-${String(i).padStart(3, '0')}`;
      const stateDir = path.join(dir, name);
      const outbox = await Outbox.open(stateDir);
      const at = new Date().toISOString();
      const id = `${name}-bench`;
      await outbox.add({
        id,
        statusJson: JSON.stringify({ version: 1, host: name, reportId: id, result: 'changed', endedAt: at }, null, 2) + '\n',
        statusMarkdown: `# ${name}: changed\n`,
        message: `${name}: applied 0000000 (1 changed)\n`,
        at,
      });
      hosts.push({ name, outbox, branch: await StatusBranch.open(stateDir, { url, branch: 'status', host: name }) });
    }
    let conflicts = 0;
    let retries = 0;
    const started = Date.now();
    const landedAt: number[] = [];
    await Promise.all(
      hosts.map(async (h) => {
        let failures = 0;
        for (;;) {
          try {
            const d = await h.branch.deliver(await h.outbox.list(), (e) => h.outbox.remove(e));
            conflicts += d.conflicts;
            landedAt.push(Date.now() - started);
            return;
          } catch {
            retries++;
            await new Promise((r) => setTimeout(r, backoff(30_000, ++failures)));
          }
        }
      }),
    );
    const total = Date.now() - started;
    const commits = Number(git(bare, 'rev-list', '--count', 'status').trim());
    const files = git(bare, 'ls-tree', '-r', '--name-only', 'status').trim().split('\n').filter((f) => f.endsWith('/status.json')).length;
    landedAt.sort((a, b) => a - b);
    console.log(
      `${String(n).padStart(4)} hosts: all landed in ${(total / 1000).toFixed(1)} s (half by ${(landedAt[Math.floor(n / 2)]! / 1000).toFixed(1)} s); ` +
        `${commits} status commits, ${files} hosts on the branch; ${conflicts} pushes lost to another host and rebuilt; ${retries} deliveries retried at the next poll` +
        (n === 100 ? '   [target: all land in < 60 s]' : ''),
    );
    if (commits !== n || files !== n) throw new Error(`expected ${n} commits and hosts, got ${commits} and ${files}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of sizes) await simulate(n);
reproduce('fleet-push.ts', ['--hosts', sizes.join(',')]);
