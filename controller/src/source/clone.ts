// The agent's local copy of the fleet repository, in the state directory:
// a partial clone (no blobs until a checkout needs them) with a sparse
// checkout of only what this host reads: hosts/<host>/, hosts/_roles/ and
// secrets-map.yml. The commit in force is pinned by a ref so it survives
// force-pushes and gc, and can be checked out again without the network.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { exitCodeOf, gitAt, gitMessage, remoteError, safeUrl } from './git.js';
import { ConvergeError } from '../platform/errors.js';

/** Where the fetched branch head is kept. */
const FETCHED_REF = 'refs/converge/fetched';
/** Where a host's testing branch (canary work) is fetched. */
const TESTING_REF = 'refs/converge/testing';
/** The last commit applied (trusted, valid, converged): the state in force. */
const APPLIED_REF = 'refs/converge/applied';

/** The sparse-checkout patterns for a host (non-cone: exactly these, nothing else at the top). */
export function sparsePatterns(host: string): string[] {
  return [`/hosts/${host}/`, '/hosts/_roles/', '/secrets-map.yml'];
}

export interface CloneOptions {
  url: string;
  branch: string;
  host: string;
}

/** The local sparse clone of the fleet repository. */
export class FleetClone {
  private readonly git: SimpleGit;

  private constructor(
    readonly dir: string,
    private readonly options: CloneOptions,
  ) {
    this.git = gitAt(dir);
  }

  /** Open (creating on first use) `<stateDir>/fleet`, with the remote and sparse patterns of `options`. */
  static async open(stateDir: string, options: CloneOptions): Promise<FleetClone> {
    const dir = path.join(stateDir, 'fleet');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(path.join(dir, '.git'))) await gitAt(dir).raw(['init', '-q']);
    await removeStaleLocks(path.join(dir, '.git'));
    const clone = new FleetClone(dir, options);
    const git = clone.git;
    await git.raw(['config', 'remote.origin.url', options.url]);
    await git.raw(['config', 'remote.origin.promisor', 'true']);
    await git.raw(['config', 'remote.origin.partialclonefilter', 'blob:none']);
    await git.raw(['config', 'core.sparseCheckout', 'true']);
    await git.raw(['config', 'core.sparseCheckoutCone', 'false']);
    await git.raw(['config', 'advice.detachedHead', 'false']);
    await writeFile(path.join(dir, '.git', 'info', 'sparse-checkout'), sparsePatterns(options.host).join('\n') + '\n');
    return clone;
  }

  /** Fetch the branch (commits and trees; blobs come with the checkout that needs them) and return its head. */
  async fetch(): Promise<string> {
    return this.fetchBranch(this.options.branch, FETCHED_REF);
  }

  /** Fetch another branch of the same remote (a host's testing branch) into `ref`; null when the branch does not exist. */
  async fetchOther(branch: string): Promise<string | null> {
    try {
      return await this.fetchBranch(branch, TESTING_REF);
    } catch (error) {
      if ((error as ConvergeError).reason === 'not-found') return null;
      throw error;
    }
  }

  private async fetchBranch(branch: string, ref: string): Promise<string> {
    const { url } = this.options;
    try {
      await this.git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--filter=blob:none', 'origin', `+refs/heads/${branch}:${ref}`]);
    } catch (error) {
      if (/couldn't find remote ref/i.test(gitMessage(error))) {
        throw new ConvergeError('not-found', `branch ${branch} does not exist on ${safeUrl(url)}`, { cause: error });
      }
      throw remoteError(`cannot fetch ${branch} from ${safeUrl(url)}`, error);
    }
    const head = (await this.git.raw(['rev-parse', ref])).trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) throw new ConvergeError('io', `git rev-parse ${ref} gave '${head.slice(0, 80)}', not a commit id`);
    return head;
  }

  /** The commit the working tree is at, or null before the first checkout. */
  async head(): Promise<string | null> {
    try {
      return (await this.git.raw(['rev-parse', '--verify', '--quiet', 'HEAD'])).trim() || null;
    } catch {
      return null;
    }
  }

  /** Put the working tree at `commit` (only the sparse paths). Needs the remote only for blobs never checked out before. */
  async checkout(commit: string): Promise<void> {
    if ((await this.head()) === commit) return;
    try {
      await this.git.raw(['checkout', '--quiet', '--force', '--detach', commit]);
    } catch (error) {
      throw remoteError(`cannot check out ${commit.slice(0, 7)}`, error);
    }
  }

  /** Remember `commit` as the one in force, so gc and force-pushes never take it away. */
  async pin(commit: string): Promise<void> {
    await this.git.raw(['update-ref', APPLIED_REF, commit]);
  }

  /** True when `ancestor` is `descendant` or lies in its history. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.git.raw(['merge-base', '--is-ancestor', ancestor, descendant]);
      return true;
    } catch (error) {
      if (exitCodeOf(error) === 1) return false;
      throw new ConvergeError('io', `cannot compare ${ancestor.slice(0, 7)} and ${descendant.slice(0, 7)}: ${gitMessage(error)}`, { cause: error });
    }
  }

  /** The raw commit object (headers and message). */
  async commitObject(commit: string): Promise<string> {
    return this.git.raw(['cat-file', 'commit', commit]);
  }

  /** The git instance of this clone, for the trust checks. */
  get gitInstance(): SimpleGit {
    return this.git;
  }
}

/** Lock files a killed git left behind (index.lock, ref locks); only the agent, which holds the agent lock, uses this repository. */
export async function removeStaleLocks(gitDir: string): Promise<void> {
  const sweep = async (dir: string, deep: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isFile() && e.name.endsWith('.lock')) await rm(full, { force: true });
      else if (e.isDirectory() && (deep || e.name === 'refs')) await sweep(full, true);
    }
  };
  await sweep(gitDir, false);
}
