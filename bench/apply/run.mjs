#!/usr/bin/env node
// Benchmark: a host with N/10 directories, N templated files and N/10 symlinks
// (the peers' workload, bench/peers), converged by `converge apply` as a whole
// process: one first apply on an empty root, then no-op applies.
//
//   node bench/apply/run.mjs [N ...]      (default: 100 1000; RUNS=5 WARMUP=1)
//
// Prints wall time (first, no-op median/min/max) and peak RSS of the converge
// process. Targets for N = 1000: no-op < 0.5 s, first < 1.5 s, peak < 150 MB.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const bin = path.join(project, 'controller/bin/converge.js');
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const RUNS = Number(process.env.RUNS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 1);
// BENCH_DIR: where the sandbox goes (default the OS temp dir; see README: file creation under /tmp is
// much slower than elsewhere on these machines, so both are worth reporting).
const base = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'converge-bench-apply');

function generate(n, dir) {
  rmSync(dir, { recursive: true, force: true });
  const w = Math.max(3, String(n - 1).length);
  const pad = (x) => String(x).padStart(w, '0');
  const host = path.join(dir, 'hosts/bench');
  mkdirSync(path.join(host, 'files'), { recursive: true });
  writeFileSync(path.join(host, 'host.yml'), 'os: linux\nvars: {}\nprune: false\n');
  const dirs = ['resources:'];
  const files = ['resources:'];
  const links = ['resources:'];
  for (let d = 0; d < n / 10; d++) {
    dirs.push(`  - directory: "/d${pad(d)}"`, '    mode: "0755"');
    links.push(`  - symlink: "/l${pad(d)}"`, `    target: "d${pad(d)}/f${pad(d * 10)}"`);
  }
  for (let i = 0; i < n; i++) {
    files.push(`  - file: "/d${pad(Math.floor(i / 10))}/f${pad(i)}"`, '    template: files/file.njk', '    mode: "0644"', `    vars: { d: "${pad(Math.floor(i / 10))}", i: "${pad(i)}" }`);
  }
  writeFileSync(path.join(host, 'dirs.yml'), dirs.join('\n') + '\n');
  writeFileSync(path.join(host, 'files.yml'), files.join('\n') + '\n');
  writeFileSync(path.join(host, 'links.yml'), links.join('\n') + '\n');
  writeFileSync(path.join(host, 'files/file.njk'), '# managed by the peers benchmark\nhost: {{ host.name }}\nindex: {{ vars.i }}\npath: d{{ vars.d }}/f{{ vars.i }}\nend of file {{ vars.i }} on {{ host.name }}\n');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', `bench N=${n}`], { cwd: dir, env });
}

function run(fleet, root, rssFile) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', path.join(here, 'rss.mjs'), bin, 'apply', '--repo', fleet, '--host', 'bench', '--root', root, '--detailed-exitcode'], {
    env: { ...process.env, CONVERGE_BENCH_RSS: rssFile, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0 && r.status !== 2) throw new Error(`converge exited ${r.status}: ${r.stderr}`);
  return { wall, exit: r.status, last: r.stdout.trim().split('\n').at(-2) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const n of sizes.length ? sizes : [100, 1000]) {
  const dir = path.join(base, `N${n}`);
  const fleet = path.join(dir, 'fleet');
  const root = path.join(dir, 'root');
  const rss = path.join(dir, 'rss.txt');
  generate(n, fleet);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(rss, '');
  const first = run(fleet, root, rss);
  if (first.exit !== 2) throw new Error(`first apply changed nothing? ${first.last}`);
  const created = readdirSync(root).filter((e) => /^[dl]\d+$/.test(e)).length;
  if (created !== n / 5) throw new Error(`expected ${n / 5} top-level entries, found ${created}`);
  const noop = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = run(fleet, root, rss);
    if (r.exit !== 0) throw new Error(`no-op apply changed something: ${r.last}`);
    if (i >= WARMUP) noop.push(r.wall);
  }
  const peaks = readFileSync(rss, 'utf8').trim().split('\n').map((k) => Number(k) / 1024);
  rows.push({ N: n, resources: n + n / 5, first_s: first.wall.toFixed(2), noop_median_s: median(noop).toFixed(3), noop_min_max_s: `${Math.min(...noop).toFixed(3)}-${Math.max(...noop).toFixed(3)}`, peak_rss_mb: Math.max(...peaks).toFixed(0) });
}
console.log(`converge apply benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
console.table(rows);
console.log(`reproduce: ${process.env.BENCH_DIR ? `BENCH_DIR=${process.env.BENCH_DIR} ` : ''}node bench/apply/run.mjs ${sizes.length ? sizes.join(' ') : '100 1000'}   (RUNS=${RUNS} WARMUP=${WARMUP}; sandbox ${base})`);
