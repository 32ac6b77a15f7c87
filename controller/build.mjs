// Build the runnable CLI: one ESM bundle (with lazily loaded chunks per
// command) from controller/src, dependencies included. Loading one bundle
// instead of hundreds of modules saves ~40% of a no-op run's wall time.
// Type-checking is tsc's job (npm run typecheck).
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(here, 'src/cli/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: { js: "import { createRequire as __convergeRequire } from 'node:module'; const require = __convergeRequire(import.meta.url);" },
  logLevel: 'warning',
});
// The bundle says it is ESM itself: node then reads no package.json above it to
// tell (a release or a copy may have none, and node would parse each file twice
// to detect its format: 15 ms of a start).
writeFileSync(path.join(outdir, 'package.json'), '{ "type": "module" }\n');
