// A no-op apply (the load cache hits: manifests unchanged since the last run)
// must not load zod nor build a schema: they cost tens of milliseconds of a
// start, and only a load that validates manifests needs them. The built CLI
// runs with a module hook that records every module node loads.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.CONVERGE_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;

/** Runs `converge apply` and gives back the files of the modules it loaded. */
function applyLoading(args: string[], home: string, dir: string): string[] {
  const log = path.join(dir, `modules-${Date.now()}-${Math.random()}.log`);
  writeFileSync(log, '');
  const register = path.join(dir, 'register.mjs');
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
  const r = converge(['apply', ...args], { env: { HOME: home, CONVERGE_TEST_MODULE_LOG: log, NODE_OPTIONS: `--import=${pathToFileURL(register).href}` } });
  expect(r.exitCode, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
}

/** The modules that are, or hold (a bundle chunk), zod. */
const zodModules = (files: string[]) => files.filter((f) => f.includes(`${path.sep}zod${path.sep}`) || readFileSync(f, 'utf8').includes('node_modules/zod/'));

describe('a no-op apply', () => {
  it('does not load zod when the load cache hits, and does on a miss', () => {
    const fleet = createFleet({
      'hosts/h/host.yml': 'os: linux\n',
      'hosts/h/files.yml': 'resources:\n  - directory: /etc/app\n  - file: /etc/app/app.conf\n    content: "a = 1\\n"\n    mode: "0640"\n  - symlink: /etc/app/current\n    target: /etc/app/app.conf\n',
    });
    const root = tempDir();
    const home = tempDir();
    const scratch = tempDir();
    const args = ['--repo', fleet.dir, '--host', 'h', '--root', root];
    const miss = applyLoading(args, home, scratch);
    expect(zodModules(miss).length, 'a load that validates loads zod (or this test sees nothing)').toBeGreaterThan(0);
    const hit = applyLoading(args, home, scratch);
    expect(hit.some((f) => /apply-[A-Z0-9]+\.js$/.test(path.basename(f))), 'the hook sees the apply chunk').toBe(true);
    expect(zodModules(hit)).toEqual([]);
  });
});
