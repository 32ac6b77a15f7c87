#!/usr/bin/env node
// Run a TypeScript benchmark of this folder: bundle it with esbuild (a
// dependency already) into a temp file and run that with node. The test
// helpers it uses find the project from their own location, so import.meta.url
// is set to theirs.
//   node bench/services/run.mjs [noop-converge.ts]
import { build } from 'esbuild';
import process from 'node:process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, process.argv[2] ?? 'noop-converge.ts');
const out = mkdtempSync(path.join(os.tmpdir(), 'converge-bench-'));
const file = path.join(out, 'bench.mjs');
const helpers = pathToFileURL(path.join(here, '../../controller/test/helpers/cli.ts')).href;
await build({
  entryPoints: [entry],
  outfile: file,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.url': JSON.stringify(helpers) },
  logLevel: 'warning',
});
try {
  await import(pathToFileURL(file).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
