// The two commits a fleet diff compares: refs resolved to commits, the files
// that differ, and each commit's tree written to a temp folder (git archive),
// so manifests are loaded exactly as they are at that commit, whatever the
// working tree holds.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../platform/runner.js';
import type { Runner } from '../platform/runner.js';
import { ConvergeError } from '../platform/errors.js';

const git: Runner = createRunner('linux');

async function run(repo: string, args: string[], what: string): Promise<string> {
  const r = await git.run('git', ['-C', repo, ...args], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
  if (r.exitCode !== 0) throw new ConvergeError('io', `${what}: git ${args[0]} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.stdout;
}

/** The commit id `ref` names in `repo`. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  const r = await git.run('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  const id = r.stdout.trim();
  if (r.exitCode === 128 && /^fatal: /m.test(r.stderr)) {
    // Not a question of history: git could not open the repository at all (not a clone, missing, a file).
    throw new ConvergeError('not-found', `cannot read ${repo} as a git repository: ${r.stderr.trim().replace(/^fatal: /, '')}`);
  }
  if (r.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(id)) {
    throw new ConvergeError('not-found', `no commit '${ref}' in ${repo} (in a shallow CI checkout, fetch more history: actions/checkout with fetch-depth: 0)`);
  }
  return id;
}

/** Repository-relative paths that differ between two commits (a rename counts as both paths). */
export async function changedFiles(repo: string, base: string, head: string): Promise<string[]> {
  const out = await run(repo, ['diff', '--name-only', '--no-renames', '-z', base, head, '--'], `comparing ${base.slice(0, 7)} and ${head.slice(0, 7)}`);
  return out.split('\0').filter(Boolean).sort();
}

/** The tree of `commit` in a new temp folder; `cleanup` removes it. */
export async function materialize(repo: string, commit: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `converge-diff-${commit.slice(0, 7)}-`));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const tar = path.join(dir, '.tree.tar');
    await run(repo, ['archive', '--format=tar', `--output=${tar}`, commit], `reading commit ${commit.slice(0, 7)}`);
    const r = await git.run('tar', ['-xf', tar, '-C', dir]);
    if (r.exitCode !== 0) throw new ConvergeError('io', `unpacking commit ${commit.slice(0, 7)}: ${r.stderr.trim()}`);
    await rm(tar);
    return { dir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
