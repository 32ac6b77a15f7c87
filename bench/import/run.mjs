#!/usr/bin/env node
// Run bench/import/roles.ts: bundled with esbuild into node_modules/.cache
// (so its external packages resolve from the project), then run with node.
//   node bench/import/run.mjs ROLES_DIR      (after npm run build; as root)
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '../../node_modules/.cache/converge-bench-import');
mkdirSync(out, { recursive: true });
const file = path.join(out, 'roles.mjs');
const helpers = pathToFileURL(path.join(here, '../../controller/test/helpers/cli.ts')).href;
await build({ entryPoints: [path.join(here, 'roles.ts')], outfile: file, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', define: { 'import.meta.url': JSON.stringify(helpers) }, logLevel: 'warning' });
try {
  await import(pathToFileURL(file).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
