// A compromised device's view of the status branch: commits built with git
// plumbing straight into a bare remote, so they can hold what git itself
// would never write (a folder listed twice, huge blobs), signed with any key
// or none.
import { execFileSync } from 'node:child_process';
import { GIT_ENV } from './fleet.js';

const run = (bare: string, args: string[], input?: string | Buffer) =>
  execFileSync('git', args, { cwd: bare, env: { ...process.env, ...GIT_ENV }, input, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }).trim();

/** Write `content` as a blob; returns its id. */
export function blob(bare: string, content: string | Buffer): string {
  return run(bare, ['hash-object', '-w', '--stdin'], content);
}

/** A blob of `bytes` bytes of 'A' (compresses to almost nothing), written without holding it in memory. */
export function hugeBlob(bare: string, bytes: number): string {
  return execFileSync('sh', ['-c', `head -c ${bytes} /dev/zero | tr '\\0' A | git hash-object -w --stdin`], { cwd: bare, encoding: 'utf8' }).trim();
}

/** Host folders (name → status.json blob id, repeated names allowed) as the state/ tree of a new commit on `branch`. */
export function pushState(bare: string, hosts: [string, string][], options: { branch?: string; parent?: string | null; signingKey?: string; message?: string } = {}): string {
  const folders = hosts.map(([name, id]) => `040000 tree ${run(bare, ['mktree'], `100644 blob ${id}\tstatus.json\n`)}\t${name}\n`);
  const state = run(bare, ['mktree'], folders.join(''));
  const root = run(bare, ['mktree'], `040000 tree ${state}\tstate\n`);
  const branch = options.branch ?? 'status';
  const parent = options.parent === undefined ? tryRun(bare, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]) : options.parent;
  const sign = options.signingKey ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${options.signingKey}`, 'commit-tree', '-S'] : ['commit-tree'];
  const commit = run(bare, [...sign, ...(parent ? ['-p', parent] : []), '-m', options.message ?? 'forged', root]);
  run(bare, ['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

/** The current state/ folders at the tip of `branch`, as [name, status.json blob id]. */
export function stateAt(bare: string, branch = 'status'): [string, string][] {
  return run(bare, ['ls-tree', '-r', branch, 'state/'])
    .split('\n')
    .filter((l) => l.endsWith('/status.json'))
    .map((l) => {
      const [meta, file] = l.split('\t');
      return [file!.split('/')[1]!, meta!.split(' ')[2]!];
    });
}

function tryRun(bare: string, args: string[]): string | null {
  try {
    return run(bare, args) || null;
  } catch {
    return null;
  }
}
