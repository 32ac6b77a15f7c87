#!/usr/bin/env node
// The issue-18 figures from one run of the peers harness (../shared/bench/peers/run.sh):
// converge's first converge and no-op as a fraction of cf-agent's (and puppet's), and
// converge's no-op peak memory, read from that run's results.tsv.
//
//   node bench/peers-ratio.mjs [PEERS_SANDBOX/N<N>/results.tsv ...]   (default: /tmp/bench-peers/N*/results.tsv)
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

const base = process.env.PEERS_SANDBOX ?? '/tmp/bench-peers';
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : existsSync(base)
    ? readdirSync(base).filter((d) => /^N\d+$/.test(d)).map((d) => path.join(base, d, 'results.tsv')).filter(existsSync)
    : [];
const missing = files.filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`${missing.join(', ')}: no such results.tsv (the peers harness writes PEERS_SANDBOX/N<N>/results.tsv)`);
  process.exit(2);
}
if (files.length === 0) {
  console.error(`no results.tsv found under ${base}; run the peers harness first (command below)`);
}
const DEFAULT_BIN = 'converge-detailed.sh';

/** The converge command a run timed: the first line of its logs/converge-cold.timer ("timeit: env HOME=… BIN apply …"). */
function convergeBin(dir) {
  try {
    const first = readFileSync(path.join(dir, 'logs', 'converge-cold.timer'), 'utf8').split('\n')[0];
    return first.match(/ env HOME=\S+ (\S+) apply /)?.[1] ?? DEFAULT_BIN;
  } catch {
    return DEFAULT_BIN;
  }
}

const targets = { 1000: { first: 0.5, noop: 0.2 }, 10000: { first: 0.2, noop: 0.05 } };
const ratio = (x) => x.toFixed(x < 0.1 ? 3 : 2);
const runs = [];
for (const file of files) {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const col = (name) => head.indexOf(name);
  const byTool = new Map(rows.map((r) => [r[0], r]));
  const num = (tool, name) => Number(byTool.get(tool)?.[col(name)]);
  const c = byTool.get('converge');
  if (!c) continue;
  const n = Number(c[col('N')]);
  const bin = convergeBin(path.dirname(path.resolve(file)));
  runs.push({ n, bin, runs: c[col('noop_runs')], tools: rows.map((r) => r[0]).join(' '), sandbox: path.dirname(path.dirname(path.resolve(file))), file });
  const ok = rows.every((r) => r[col('checks')] === 'ok') ? 'all checks ok' : `checks: ${rows.map((r) => `${r[0]} ${r[col('checks')]}`).join(', ')}`;
  console.log(`N=${n} (${c[col('resources')]} resources), ${file} — ${ok}`);
  if (bin.endsWith('converge-nofsync.sh')) console.log('  converge ran under eatmydata, its syncs skipped (bench/converge-nofsync.sh): what they cost, not a way to run it');
  for (const peer of ['cfengine', 'puppet']) {
    if (!byTool.has(peer)) continue;
    const first = num('converge', 'first_wall_s') / num(peer, 'first_wall_s');
    const noop = num('converge', 'noop_wall_median_s') / num(peer, 'noop_wall_median_s');
    const t = peer === 'cfengine' ? targets[n] : undefined;
    const aim = (x, k) => (t ? `  [target ≤ ${t[k]}: ${x <= t[k] ? 'met' : 'not met'}]` : '');
    console.log(`  first converge: converge ${num('converge', 'first_wall_s')} s / ${peer} ${num(peer, 'first_wall_s')} s = ${ratio(first)}${aim(first, 'first')}`);
    console.log(`  no-op (median): converge ${num('converge', 'noop_wall_median_s')} s / ${peer} ${num(peer, 'noop_wall_median_s')} s = ${ratio(noop)}${aim(noop, 'noop')}`);
  }
  const peak = num('converge', 'noop_peak_rss_mib');
  console.log(`  converge no-op peak RSS: ${peak} MiB${n === 10000 ? `  [target < 150: ${peak < 150 ? 'met' : 'not met'}]` : ''}`);
}
// The command that produced each run (converge on the device runtime, as the agent runs it), or a first one.
const shown = runs.length ? runs : [{ n: 1000, bin: DEFAULT_BIN, tools: 'cfengine converge puppet', sandbox: base, file: path.join(base, 'N1000', 'results.tsv') }];
for (const r of shown) {
  console.log(
    `\nreproduce: npm run build && CONVERGE_NODE=$(scripts/device-node.sh) CONVERGE_BIN=$PWD/bench/${path.basename(r.bin)} TOOLS="${r.tools}"${r.runs && r.runs !== '5' ? ` RUNS=${r.runs}` : ''} PEERS_SANDBOX=${r.sandbox} ../shared/bench/peers/run.sh ${r.n} && node bench/peers-ratio.mjs ${r.file}`,
  );
}
