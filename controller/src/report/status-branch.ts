// Deliver queued reports to the status branch: fetch its tip, drop what
// already arrived (a crash after a push), commit the rest on top (only
// state/<host>/ changes), push. Another host pushing first is a conflict:
// fetch again and rebuild on the new tip. A remote that cannot be reached
// leaves the reports queued for the next try.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { OutboxEntry } from './outbox.js';
import { gitAt, gitMessage, remoteAccess, remoteError, safeUrl } from '../source/git.js';
import { removeStaleLocks } from '../source/clone.js';
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
    const access = remoteAccess(options.url);
    const git = gitAt(dir, access.env);
    await git.raw(['config', 'remote.origin.url', access.url]);
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
        const last = await this.lastReportIdAt(tip);
        const index = remaining.findIndex((e) => e.id === last);
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
      await this.git.raw(['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', 'origin', `+refs/heads/${branch}:${TIP_REF}`]);
    } catch (error) {
      if (/couldn't find remote ref/i.test(gitMessage(error))) return null;
      throw remoteError(`cannot fetch the status branch ${branch} from ${safeUrl(url)}`, error);
    }
    return commitId(await this.readRef(TIP_REF), 'the status branch tip');
  }

  /** The reportId of this host's status.json at `tip`, if any. */
  private async lastReportIdAt(tip: string): Promise<string | null> {
    try {
      const text = await this.git.raw(['cat-file', 'blob', `${tip}:state/${this.options.host}/status.json`]);
      const id = (JSON.parse(text) as { reportId?: unknown }).reportId;
      return typeof id === 'string' ? id : null;
    } catch {
      return null; // this host never reported, or wrote something unreadable: nothing of ours is there
    }
  }

  /** One commit per entry on top of `tip`, each replacing only state/<host>/status.json and STATUS.md. */
  private async commitOnTop(tip: string | null, entries: OutboxEntry[]): Promise<string> {
    const host = this.options.host;
    const who = `converge <converge@${host}>`;
    const now = Math.floor(Date.now() / 1000);
    const chunks: Buffer[] = [Buffer.from(`reset ${OUTGOING_REF}\n`)];
    const data = (bytes: Buffer) => chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'));
    for (const [i, e] of entries.entries()) {
      const [json, md] = await Promise.all([readFile(path.join(e.dir, 'status.json')), readFile(path.join(e.dir, 'STATUS.md'))]);
      const authored = Math.floor(Date.parse(e.at) / 1000) || now;
      chunks.push(Buffer.from(`commit ${OUTGOING_REF}\nauthor ${who} ${authored} +0000\ncommitter ${who} ${now} +0000\n`));
      data(Buffer.from(e.message.endsWith('\n') ? e.message : `${e.message}\n`));
      if (i === 0 && tip) chunks.push(Buffer.from(`from ${tip}\n`));
      chunks.push(Buffer.from(`M 100644 inline state/${host}/status.json\n`));
      data(json);
      chunks.push(Buffer.from(`M 100644 inline state/${host}/STATUS.md\n`));
      data(md);
    }
    chunks.push(Buffer.from('done\n'));
    try {
      await gitAt(this.dir, {}, Buffer.concat(chunks)).raw(['fast-import', '--quiet', '--force', '--done']);
    } catch (error) {
      throw new ConvergeError('io', `cannot build the status commit: ${gitMessage(error)}`, { cause: error });
    }
    return commitId(await this.readRef(OUTGOING_REF), 'the status commit');
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
      await this.git.raw(['push', '--quiet', 'origin', `${commit}:refs/heads/${branch}`]);
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
