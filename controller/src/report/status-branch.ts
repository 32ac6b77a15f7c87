// Deliver queued reports to the status branch: fetch its tip (commit and
// trees only: never another host's blobs), drop what already arrived (a crash
// after a push: our blob ids are already there), commit the rest on top with
// plumbing (only state/<host>/ changes, signed with the host's own key),
// push. Another host pushing first is a conflict: fetch again and rebuild on
// the new tip. A remote that cannot be reached leaves the reports queued.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { OutboxEntry } from './outbox.js';
import { coalesce, groupMessage } from './outbox.js';
import { gitAt, gitMessage, remoteError, safeUrl } from '../source/git.js';
import { removeStaleLocks } from '../source/clone.js';
import { REPORT_FILES, STATE_ROOT, statusJsonPath } from './status-paths.js';
import { ConvergeError, messageOf } from '../platform/errors.js';

const TIP_REF = 'refs/converge/status-tip';
const OUTGOING_REF = 'refs/converge/status-outgoing';
/** The longest random wait between two tries when other hosts keep pushing first. */
const MAX_CONFLICT_WAIT_MS = 8000;
/** Shallow fetches add a line each to .git/shallow; past this size the cache is rebuilt. */
const SHALLOW_LIMIT_BYTES = 256 * 1024;

export interface StatusBranchOptions {
  url: string;
  branch: string;
  host: string;
  /** How long to keep rebuilding on a new tip while other hosts push first (default 5 min); then the reports stay queued. */
  budgetMs?: number;
  /** The host's private SSH key: status commits are signed with it (its public half is agentKey: in host.yml). */
  signingKey?: string;
}

export interface Delivery {
  /** Reports pushed by this delivery. */
  pushed: OutboxEntry[];
  /** Reports found already on the branch (pushed before a crash). */
  alreadyThere: OutboxEntry[];
  /** Pushes lost to other hosts before this one landed. */
  conflicts: number;
}

/** The agent's side of the status branch: a small shallow repository in the state directory. */
export class StatusBranch {
  private constructor(
    private readonly dir: string,
    private readonly git: SimpleGit,
    private readonly options: StatusBranchOptions,
  ) {}

  static async open(stateDir: string, options: StatusBranchOptions): Promise<StatusBranch> {
    const dir = path.join(stateDir, 'status');
    const shallow = await stat(path.join(dir, 'shallow')).catch(() => null);
    if (shallow && shallow.size > SHALLOW_LIMIT_BYTES) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(path.join(dir, 'HEAD'))) await gitAt(dir).raw(['init', '--quiet', '--bare']);
    await removeStaleLocks(dir);
    const git = gitAt(dir);
    await git.raw(['config', 'remote.origin.url', options.url]);
    // A partial repository: other hosts' blobs are never fetched (a huge one costs nothing here).
    await git.raw(['config', 'remote.origin.promisor', 'true']);
    await git.raw(['config', 'remote.origin.partialclonefilter', 'blob:none']);
    if (/^(file:\/\/|\/)/.test(options.url)) await git.raw(['config', 'remote.origin.uploadpack', 'git -c uploadpack.allowFilter=true upload-pack']);
    return new StatusBranch(dir, git, options);
  }

  /** Push `entries` (oldest first) to the status branch; `delivered` is called for each once it is safely there. */
  async deliver(entries: OutboxEntry[], delivered: (e: OutboxEntry) => Promise<void>, signal?: AbortSignal): Promise<Delivery> {
    const result: Delivery = { pushed: [], alreadyThere: [], conflicts: 0 };
    let remaining = [...entries];
    const deadline = Date.now() + (this.options.budgetMs ?? 300_000);
    // Only the first try can find its reports there already (pushed before a crash, or by a push whose outcome was lost);
    // after a rejected push they certainly are not.
    let mayHaveLanded = true;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      const tip = await this.fetchTip();
      if (tip && mayHaveLanded) {
        const last = await this.ownBlobAt(tip);
        const ids = last ? await this.hashFiles(remaining.map((e) => path.join(e.dir, REPORT_FILES.json))) : [];
        const index = last ? ids.lastIndexOf(last) : -1;
        for (const e of remaining.slice(0, index + 1)) {
          await delivered(e);
          result.alreadyThere.push(e);
        }
        remaining = remaining.slice(index + 1);
        if (remaining.length === 0) break;
      }
      const head = await this.commitOnTop(tip, remaining);
      if (await this.push(head)) {
        for (const e of remaining) {
          await delivered(e);
          result.pushed.push(e);
        }
        remaining = [];
        break;
      }
      mayHaveLanded = false;
      result.conflicts++;
      if (Date.now() >= deadline || signal?.aborted) break;
      // Other hosts won the race: wait (longer each time, at random so racers spread out) and rebuild on the new tip.
      await sleep(Math.random() * Math.min(MAX_CONFLICT_WAIT_MS, 400 * 2 ** Math.min(attempt, 10)), signal);
    }
    if (remaining.length > 0) {
      throw new ConvergeError('transient', `the status branch ${this.options.branch} kept moving: ${result.conflicts} pushes lost to other hosts; ${remaining.length} report(s) stay queued`);
    }
    return result;
  }

  /** Fetch the branch tip (only the tip: history is not needed to add to it); null when the branch does not exist yet. */
  private async fetchTip(): Promise<string | null> {
    const { branch, url } = this.options;
    try {
      await this.git.raw(['fetch', '--quiet', '--depth=1', '--filter=blob:none', '--no-tags', '--no-write-fetch-head', 'origin', `+refs/heads/${branch}:${TIP_REF}`]);
    } catch (error) {
      if (/couldn't find remote ref/i.test(gitMessage(error))) return null;
      throw remoteError(`cannot fetch the status branch ${branch} from ${safeUrl(url)}`, error);
    }
    return commitId(await this.readRef(TIP_REF), 'the status branch tip');
  }

  /** The blob id of this host's status.json at `tip` (from the tree: the blob itself is never read), if any. */
  private async ownBlobAt(tip: string): Promise<string | null> {
    const line = await this.git.raw(['ls-tree', '--full-tree', tip, '--', statusJsonPath(this.options.host)]).catch(() => '');
    return /^100644 blob ([0-9a-f]+)\t/.exec(line)?.[1] ?? null;
  }

  /** `git hash-object -w` of `files`, in order. */
  private async hashFiles(files: string[]): Promise<string[]> {
    const out = await gitAt(this.dir, {}, Buffer.from(files.join('\n') + '\n')).raw(['hash-object', '-w', '--no-filters', '--stdin-paths']);
    return out.split('\n').filter(Boolean).map((id) => commitId(id, 'a report blob'));
  }

  /**
   * One commit per entry on top of `tip`, each replacing only state/<host>/,
   * built from trees alone (mktree --missing: other hosts' blobs are never
   * needed) and signed with the host's key when it has one.
   */
  private async commitOnTop(tip: string | null, entries: OutboxEntry[]): Promise<string> {
    const host = this.options.host;
    const now = Math.floor(Date.now() / 1000);
    let parent = tip;
    try {
      for (const group of coalesce(entries)) {
        // A run of drift reports is one commit: the newest files, every event in the message.
        const e = group[group.length - 1]!;
        const [json, md] = await this.hashFiles([path.join(e.dir, REPORT_FILES.json), path.join(e.dir, REPORT_FILES.markdown)]);
        const hostTree = await this.mktree([`100644 blob ${md}\t${REPORT_FILES.markdown}`, `100644 blob ${json}\t${REPORT_FILES.json}`]);
        const stateTree = await this.replaceEntry(parent ? `${parent}:${STATE_ROOT}` : null, host, hostTree);
        const root = await this.replaceEntry(parent ? `${parent}^{tree}` : null, STATE_ROOT, stateTree);
        const authored = Math.floor(Date.parse(e.at) / 1000) || now;
        const text = groupMessage(group);
        const env = {
          GIT_AUTHOR_NAME: 'converge',
          GIT_AUTHOR_EMAIL: `converge@${host}`,
          GIT_AUTHOR_DATE: `${authored} +0000`,
          GIT_COMMITTER_NAME: 'converge',
          GIT_COMMITTER_EMAIL: `converge@${host}`,
          GIT_COMMITTER_DATE: `${now} +0000`,
        };
        const key = this.options.signingKey;
        const sign = key ? ['-c', 'gpg.format=ssh', '-c', `user.signingKey=${key}`, 'commit-tree', '-S'] : ['commit-tree', '--no-gpg-sign'];
        const message = Buffer.from(text);
        parent = commitId(await gitAt(this.dir, env, message).raw([...sign, ...(parent ? ['-p', parent] : []), '-F', '-', root]), 'the status commit');
      }
    } catch (error) {
      if (error instanceof ConvergeError) throw error;
      throw new ConvergeError('io', `cannot build the status commit: ${gitMessage(error)}`, { cause: error });
    }
    await this.git.raw(['update-ref', OUTGOING_REF, parent!]);
    return parent!;
  }

  /** A tree (`base`, or an empty one) with the entry `name` set to the tree `tree`; other entries are copied by id, never read. */
  private async replaceEntry(base: string | null, name: string, tree: string): Promise<string> {
    const listing = base ? await this.git.raw(['ls-tree', '-z', '--end-of-options', base]).catch(() => '') : '';
    // Other entries are kept by id, once each (a hand-made tree may list a name twice; mktree would refuse it).
    const seen = new Set<string>([name]);
    const kept = listing.split('\0').filter((l) => {
      const entry = l.slice(l.indexOf('\t') + 1);
      if (!l || seen.has(entry)) return false;
      seen.add(entry);
      return true;
    });
    return this.mktree([...kept, `040000 tree ${tree}\t${name}`]);
  }

  private async mktree(entries: string[]): Promise<string> {
    const input = Buffer.from(entries.map((e) => `${e}\0`).join(''));
    return commitId(await gitAt(this.dir, {}, input).raw(['mktree', '-z', '--missing']), 'a status tree');
  }

  /** A ref of this repository: its loose file (no process; these refs are written loose by fetch and fast-import), else git. */
  private async readRef(ref: string): Promise<string> {
    try {
      return await readFile(path.join(this.dir, ref), 'utf8');
    } catch {
      return this.git.raw(['rev-parse', ref]);
    }
  }

  /** Push `commit` as the new branch tip; false when another host got there first. */
  private async push(commit: string): Promise<boolean> {
    const { branch, url } = this.options;
    // Never an empty source: `git push origin :refs/heads/status` would delete the branch.
    commitId(commit, 'the commit to push');
    try {
      // --no-thin: a thin pack would read the tip's blobs (other hosts' reports) as delta bases.
      await this.git.raw(['push', '--quiet', '--no-thin', 'origin', `${commit}:refs/heads/${branch}`]);
      return true;
    } catch (error) {
      const text = messageOf(error);
      // Only a lost race is retried; a remote that refuses the push itself (a hook or branch protection declined it,
      // the branch is checked out there) would refuse every retry, so that is an error, like an unreachable remote.
      if (/\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|stale info|incorrect old value/i.test(text)) return false;
      throw remoteError(`cannot push the status branch ${branch} to ${safeUrl(url)}`, error);
    }
  }
}

/** A full commit id, or an internal error: nothing else may reach a push. */
function commitId(text: string, what: string): string {
  const id = text.trim();
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id)) throw new ConvergeError('internal', `${what} is not a commit id: '${id.slice(0, 80)}'`);
  return id;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
