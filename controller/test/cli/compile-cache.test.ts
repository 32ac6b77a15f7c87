// The bundle's compile cache (controller/bin/converge.js). On a Node.js with
// module.enableCompileCache (22.1 and later: the runtime devices run) a start
// reads V8's compiled code of the bundle from dist/.compile-cache instead of
// compiling it again; the cache is not used when anyone but the code's owner
// could write beside the code, nor with NODE_DISABLE_COMPILE_CACHE=1. On
// Node.js 20 there is no such cache and converge runs as before.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';

const HAS_COMPILE_CACHE = 'enableCompileCache' in module; // Node.js >= 22.1 (@types/node 20 does not name it)

let install: string;
let dist: string;
let cache: string;

/** A copy of the built command (bin and dist, without source maps or an earlier cache), as a release holds it. */
beforeEach(() => {
  install = tempDir('converge-compile-cache-');
  chmodSync(install, 0o755);
  for (const part of ['bin', 'dist']) {
    cpSync(path.join(PROJECT_ROOT, 'controller', part), path.join(install, 'controller', part), {
      recursive: true,
      filter: (src) => !src.endsWith('.map') && path.basename(src) !== '.compile-cache',
    });
  }
  dist = path.join(install, 'controller/dist');
  cache = path.join(dist, '.compile-cache');
});
afterEach(() => chmodSync(dist, 0o755));

/** `converge validate --help` with node's compile-cache tracing on; what it printed. */
function run(env: Record<string, string> = {}, asUid?: number): { status: number | null; stdout: string; trace: string } {
  const argv = [path.join(install, 'controller/bin/converge.js'), 'validate', '--help'];
  const [command, args] = asUid === undefined ? [process.execPath, argv] : ['setpriv', [`--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', process.execPath, ...argv]];
  const base = { ...process.env };
  delete base.NODE_DISABLE_COMPILE_CACHE; // set at all (even empty), either one changes what node does
  delete base.NODE_COMPILE_CACHE;
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...base, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', ...env } });
  return { status: r.status, stdout: r.stdout, trace: r.stderr.split('\n').filter((l) => l.startsWith('[compile cache]')).join('\n') };
}

/** The cache entries written, as paths relative to the cache folder. */
function entries(): string[] {
  if (!existsSync(cache)) return [];
  return readdirSync(cache, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(cache, path.join(e.parentPath, e.name)));
}

describe.runIf(HAS_COMPILE_CACHE)(`compile cache on Node.js ${process.version}`, () => {
  it('the second start takes the bundle from the cache the first one wrote, owner-only', () => {
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Usage: converge validate/);
    const written = entries();
    expect(written.length).toBeGreaterThan(0);
    // one folder per Node version and user (…-<uid>), entries only their writer can read
    expect(written.every((e) => e.startsWith(`${process.version}-`) && path.dirname(e).endsWith(`-${process.getuid?.()}`))).toBe(true);
    for (const e of written) expect(statSync(path.join(cache, e)).mode & 0o077).toBe(0);

    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.trace).toMatch(/V8 code cache for ESM file:\/\/\S+\/controller\/dist\/main\.js was accepted/);
  });

  it('is not used when others can write to the bundle folder', () => {
    chmodSync(dist, 0o777);
    const r = run();
    expect(r.status).toBe(0);
    expect(r.trace).toBe('');
    expect(existsSync(cache)).toBe(false);

    chmodSync(dist, 0o775);
    expect(run().trace).toBe('');
    expect(existsSync(cache)).toBe(false);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const r = run({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.status).toBe(0);
    expect(entries()).toEqual([]);
  });
});

describeWith(CAN_ACT_AS_USER && HAS_COMPILE_CACHE)('a local user running the installed command', () => {
  it('runs it, and writes nothing beside root\'s code', () => {
    requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed');
    expect(statSync(dist).uid).toBe(0);
    const r = run({}, testUid());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: converge validate/);
    expect(entries()).toEqual([]);
  });
});

describe.skipIf(HAS_COMPILE_CACHE)(`no compile cache on Node.js ${process.version}`, () => {
  it('runs as before and writes no cache', () => {
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: converge validate/);
    expect(existsSync(cache)).toBe(false);
  });
});
