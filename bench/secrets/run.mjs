#!/usr/bin/env node
// Benchmark: a host with N env files of 4 variables each (2N+2 distinct vault
// secrets; two secrets are shared by every file), converged by `converge apply`
// as a whole process against the fake Key Vault of the tests (real
// @azure/keyvault-secrets and managed identity, HTTPS through a CONNECT proxy),
// and against the file backend for comparison:
//
//   node bench/secrets/run.mjs [N ...]      (default: 10 50; RUNS=5)
//
// Prints wall time of the first apply, a no-op apply (every secret is still read
// once per run) and an apply while the vault is down (every env file fails),
// plus how many secret reads the vault served per run.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const bin = path.join(project, 'controller/bin/converge.js');
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const RUNS = Number(process.env.RUNS ?? 5);
const work = mkdtempSync(path.join(os.tmpdir(), 'converge-bench-secrets-'));

// The fake vault is TypeScript (a test helper): bundle it for this script.
const fakeFile = path.join(work, 'fake-key-vault.mjs');
await build({ entryPoints: [path.join(project, 'controller/test/helpers/fake-key-vault.ts')], bundle: true, platform: 'node', format: 'esm', outfile: fakeFile, logLevel: 'warning' });
const { startFakeKeyVault } = await import(pathToFileURL(fakeFile).href);

function fleet(n, dir) {
  mkdirSync(path.join(dir, 'hosts/bench'), { recursive: true });
  const map = ['envFiles:'];
  const resources = ['resources:', '  - directory: /srv/secrets', '    mode: "0700"'];
  const values = {};
  for (let i = 0; i < n; i++) {
    map.push(`  app${i}:`, `    path: /srv/secrets/app${i}.env`, '    vars:', `      API_KEY: app${i}-api-key`, `      DB_PASSWORD: app${i}-db-password`, '      SHARED_TOKEN: shared-token', '      SHARED_ENDPOINT: shared-endpoint');
    resources.push(`  - envFile: app${i}`);
    values[`app${i}-api-key`] = `bench-api-key-${i}-${'x'.repeat(24)}`;
    values[`app${i}-db-password`] = `bench-db-password-${i}`;
  }
  values['shared-token'] = 'bench-shared-token-0123456789';
  values['shared-endpoint'] = 'https://bench.example.invalid';
  writeFileSync(path.join(dir, 'secrets-map.yml'), map.join('\n') + '\n');
  writeFileSync(path.join(dir, 'hosts/bench/host.yml'), 'os: linux\n');
  writeFileSync(path.join(dir, 'hosts/bench/secrets.yml'), resources.join('\n') + '\n');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-qm', `bench N=${n}`]]) execFileSync('git', args, { cwd: dir, env });
  return values;
}

function apply(config, env, repo) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, 'apply', '--repo', repo, '--config', config, ...(process.env.BENCH_DEBUG ? ['--log-level', 'info'] : [])], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', process.env.BENCH_DEBUG ? 'inherit' : 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const vault = await startFakeKeyVault('kv-converge-bench');
try {
  console.log(`converge secrets benchmark: node ${process.version}, ${os.cpus().length} CPUs, RUNS=${RUNS}`);
  for (const n of sizes.length ? sizes : [10, 50]) {
    const dir = path.join(work, `n${n}`);
    const values = fleet(n, path.join(dir, 'fleet'));
    for (const [k, v] of Object.entries(values)) vault.set(k, v);
    const results = {};
    for (const backend of ['key-vault', 'file']) {
      const times = { first: [], noop: [], down: [] };
      let reads = 0;
      for (let r = 0; r < RUNS; r++) {
        const root = path.join(dir, `${backend}-${r}`);
        rmSync(root, { recursive: true, force: true });
        mkdirSync(root, { recursive: true });
        const secretsFile = path.join(dir, 'secrets.json');
        writeFileSync(secretsFile, JSON.stringify(values));
        chmodSync(secretsFile, 0o600);
        const secrets = backend === 'file' ? `  file: ${secretsFile}` : `  keyVault: ${vault.url}\n  credential: managed-identity`;
        const config = path.join(dir, `${backend}.yml`);
        writeFileSync(config, `host: bench\nrepo: ${path.join(dir, 'fleet')}\nroot: ${root}\nstateDir: ${path.join(root, 'var/lib/converge')}\nsecrets:\n${secrets}\n`);
        const first = await apply(config, vault.env, path.join(dir, 'fleet'));
        if (first.code !== 0) throw new Error(`first apply (${backend}, N=${n}) exited ${first.code}`);
        times.first.push(first.ms);
        vault.reads.length = 0;
        const noop = await apply(config, vault.env, path.join(dir, 'fleet'));
        if (noop.code !== 0) throw new Error(`no-op apply (${backend}, N=${n}) exited ${noop.code}`);
        times.noop.push(noop.ms);
        reads = vault.reads.length;
        if (backend === 'key-vault') {
          await vault.down();
          const down = await apply(config, vault.env, path.join(dir, 'fleet'));
          await vault.up();
          if (down.code !== 1) throw new Error(`apply with the vault down exited ${down.code}`);
          times.down.push(down.ms);
        }
      }
      results[backend] = { times, reads };
    }
    const kv = results['key-vault'];
    const file = results.file;
    console.log(`N=${n} env files (${Object.keys(values).length} secrets):`);
    console.log(`  key vault: first ${fmt(median(kv.times.first))}, no-op ${fmt(median(kv.times.noop))} (${kv.reads} reads), vault down ${fmt(median(kv.times.down))}`);
    console.log(`  file:      first ${fmt(median(file.times.first))}, no-op ${fmt(median(file.times.noop))}`);
  }
  console.log(`reproduce: npm run build && node bench/secrets/run.mjs ${sizes.length ? sizes.join(' ') : '10 50'}`);
} finally {
  await vault.close();
  rmSync(work, { recursive: true, force: true });
}
