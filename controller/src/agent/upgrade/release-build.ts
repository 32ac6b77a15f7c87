// Build a release of the agent from a commit of the fleet clone, beside the
// running one: the agent's paths (git archive) into a temp folder, the
// dependencies from a build cache keyed by the lockfile (npm ci only when the
// lockfile changed), controller/build.mjs, then renamed into place. What a
// release keeps: package.json, controller/bin, controller/dist (the bundle
// holds the dependencies), controller/runtime.json, release.json.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AGENT_PATHS } from './agent-id.js';
import { exec } from './exec.js';
import type { Layout, ReleaseInfo } from './release.js';
import { readRelease } from './release.js';

export interface BuildInput {
  layout: Layout;
  gitDir: string;
  /** git's environment (credentials of the remote): blobs of a partial clone are fetched on the way. */
  gitEnv: NodeJS.ProcessEnv;
  commit: string;
  id: string;
  /** The node that runs npm and the build. */
  node: string;
  /** npm to install dependencies with, asked for only when the lockfile changed (npm-cli.js run with `node`, or an npm executable). */
  npm: () => Promise<string | null>;
  runtime: string;
  runtimePin?: string;
  /** Test hook: called at named points of the build. */
  at?(point: string): Promise<void>;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** The release folder of `id`, built now unless it is there complete already. */
export async function buildRelease(b: BuildInput): Promise<ReleaseInfo> {
  const dir = path.join(b.layout.releases, b.id);
  const done = readRelease(dir);
  if (done?.id === b.id) return done;
  await mkdir(b.layout.releases, { recursive: true });
  // A build killed half-way left its temp folder: it goes now.
  for (const name of await readdir(b.layout.releases)) if (name.startsWith(`.new-${b.id}-`)) await rm(path.join(b.layout.releases, name), { recursive: true, force: true });
  const tmp = path.join(b.layout.releases, `.new-${b.id}-${process.pid}`);
  await mkdir(tmp);
  try {
    const paths = (await exec('git', ['-C', b.gitDir, 'ls-tree', '--name-only', b.commit, '--', ...AGENT_PATHS], { env: b.gitEnv })).split('\n').filter(Boolean);
    // checkout into the temp folder through a temp index: it fetches a partial clone's missing blobs in one batch
    // (git archive would fetch them one by one), and leaves the clone's own index and HEAD alone.
    const env = { ...b.gitEnv, GIT_INDEX_FILE: path.join(tmp, '.index') };
    await exec('git', ['-C', b.gitDir, '-c', 'core.sparseCheckout=false', `--work-tree=${tmp}`, 'checkout', b.commit, '--', ...paths], { env });
    await rm(path.join(tmp, '.index'));
    await b.at?.('build');
    const lock = await readFile(path.join(tmp, 'package-lock.json'));
    const lockHash = createHash('sha256').update(lock).digest('hex').slice(0, 16);
    const deps = await dependencies(b, tmp, lockHash);
    await symlink(deps, path.join(tmp, 'node_modules'));
    await exec(b.node, [path.join(tmp, 'controller/build.mjs')], { cwd: tmp });
    for (const p of ['node_modules', 'controller/src', 'controller/build.mjs', '.npmrc', 'package-lock.json']) await rm(path.join(tmp, p), { recursive: true, force: true });
    const info: ReleaseInfo = { id: b.id, commit: b.commit, prefix: b.layout.prefix, runtimePin: b.runtimePin, runtime: b.runtime, lockHash, builtAt: new Date().toISOString() };
    await writeFile(path.join(tmp, 'release.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    if (process.platform !== 'win32') await exec('sync', []); // Windows has no sync(1); NTFS journals the rename
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return info;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** node_modules for this lockfile: the cached one, or a new one (npm ci --omit=dev plus the esbuild the lockfile names). */
async function dependencies(b: BuildInput, src: string, lockHash: string): Promise<string> {
  const cache = path.join(b.layout.build, lockHash);
  if (await exists(path.join(cache, '.complete'))) return path.join(cache, 'node_modules');
  const npmPath = await b.npm();
  if (!npmPath) throw new Error(`the lockfile changed and there is no npm to install it with (looked beside ${b.node}, for the pinned one, and on PATH)`);
  const tmp = `${cache}.new-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) if (await exists(path.join(src, f))) await writeFile(path.join(tmp, f), await readFile(path.join(src, f)));
  const esbuild = (JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies?.esbuild;
  if (!esbuild) throw new Error('package.json names no esbuild in devDependencies: cannot build the agent');
  // npm's scripts run `node`: the runtime's, first on PATH.
  const env = { ...process.env, PATH: `${path.dirname(b.node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const npm = (args: string[]) => (npmPath.endsWith('.js') ? exec(b.node, [npmPath, ...args], { cwd: tmp, env }) : exec(npmPath, args, { cwd: tmp, env }));
  await npm(['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error']);
  await npm(['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `esbuild@${esbuild}`]);
  await writeFile(path.join(tmp, '.complete'), '');
  await rm(cache, { recursive: true, force: true });
  await rename(tmp, cache);
  return path.join(cache, 'node_modules');
}
