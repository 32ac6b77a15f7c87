#!/usr/bin/env node
// What the syncs of a first converge cost (its temp files' fsyncs, or on Linux the
// syncfs of each batch of them, and its directories' fsyncs): the peers' workload (gen.py) at N,
// converged on an empty root by bench/converge-detailed.sh and by
// bench/converge-nofsync.sh (the same under eatmydata), taking turns, PAIRS times.
// Each run gets a folder never used before (creating files near a deleted tree is
// slow on these machines, README Performance), and every tree is checked with
// the peers' verify.py. Prints each pair, the medians and their difference.
//
//   npm run build && CONVERGE_NODE=$(scripts/device-node.sh) node bench/fsync-cost.mjs [N] [PAIRS]   (default 10000 5)
//
// BENCH_DIR: where the folders go (default the OS temp dir); they are removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = path.resolve(here, '../../shared/bench/peers');
const n = Number(process.argv[2] ?? 10000);
const pairs = Number(process.argv[3] ?? 5);
if (!Number.isInteger(n) || n < 10 || n % 10 !== 0 || !Number.isInteger(pairs) || pairs < 1) {
  console.error('usage: node bench/fsync-cost.mjs [N (a multiple of 10)] [PAIRS]');
  process.exit(2);
}
if (!existsSync(path.join(peers, 'gen.py'))) {
  console.error(`no peers harness at ${peers} (this script uses its gen.py and verify.py)`);
  process.exit(2);
}
if (spawnSync('eatmydata', ['true']).status !== 0) {
  console.error('eatmydata is not installed (apt-get install eatmydata)');
  process.exit(2);
}

const base = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'converge-fsync-cost-'));
const kinds = ['converge-detailed', 'converge-nofsync'];
const times = { 'converge-detailed': [], 'converge-nofsync': [] };
try {
  execFileSync('python3', [path.join(peers, 'gen.py'), String(n), path.join(base, 'inputs'), '--sandbox', base], { stdio: 'ignore' });
  for (let i = 1; i <= pairs; i++) {
    for (const kind of kinds) {
      const run = path.join(base, `${kind}-${i}`);
      mkdirSync(path.join(run, 'root'), { recursive: true });
      const start = process.hrtime.bigint();
      const r = spawnSync(path.join(here, `${kind}.sh`), ['apply', '--repo', path.join(base, 'inputs/converge'), '--host', 'bench', '--root', path.join(run, 'root')], {
        env: { ...process.env, HOME: run },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      if (r.status !== 2) throw new Error(`${kind} exited ${r.status ?? r.signal}, not 2 (changed)`);
      const check = spawnSync('python3', [path.join(peers, 'verify.py'), path.join(run, 'root'), String(n)], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`${kind} left a wrong tree: ${check.stdout}${check.stderr}`);
      times[kind].push(wall);
      console.log(`pair ${i}: ${kind} ${wall.toFixed(3)} s, tree verified`);
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const withSync = median(times['converge-detailed']);
const without = median(times['converge-nofsync']);
console.log(`\nN=${n}, ${pairs} pairs, first converge, median: with its syncs ${withSync.toFixed(3)} s, without ${without.toFixed(3)} s;`);
console.log(`the syncs cost ${(withSync - without).toFixed(3)} s, ${(((withSync - without) / withSync) * 100).toFixed(0)}% of the run`);
console.log(`\nreproduce: npm run build && CONVERGE_NODE=$(scripts/device-node.sh) node bench/fsync-cost.mjs ${n} ${pairs}`);
