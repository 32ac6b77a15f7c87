// Which commits change the agent: the paths its release is built from. The
// agent id of a commit is a hash of those paths' tree entries, so a commit
// that touches only hosts/ or docs/ keeps the agent id and applies as before.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the agent's release is made of (bootstrap scripts hash the same list: keep them in step). */
export const AGENT_PATHS = ['controller/src', 'controller/bin', 'controller/build.mjs', 'controller/runtime.json', 'package.json', 'package-lock.json', '.npmrc'] as const;

/** The agent id of `git ls-tree -r` output: 12 hex digits of its SHA-256 (what `sha256sum | cut -c1-12` prints). */
export function agentIdOf(lsTree: string): string {
  return createHash('sha256').update(lsTree).digest('hex').slice(0, 12);
}

/** The agent id of `commit` in the clone at `gitDir`. */
export async function agentId(gitDir: string, commit: string): Promise<string> {
  if (!/^[0-9a-f]{7,64}$/.test(commit)) throw new Error(`not a commit id: ${commit}`);
  const { stdout } = await run('git', ['-C', gitDir, 'ls-tree', '-r', commit, '--', ...AGENT_PATHS], { maxBuffer: 64 * 1024 * 1024 });
  return agentIdOf(stdout);
}
