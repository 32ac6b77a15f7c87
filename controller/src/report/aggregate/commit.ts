// The aggregator's side of the status branch: fetch the tip, read its index
// (the checkpoint), write one commit with every changed report and the new
// index (signed with the aggregator's SSH key), push it. The checkpoint lives
// in the commit it describes, so a kill at any point either pushed both or
// neither: nothing is lost and nothing is committed twice.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Changed } from './collect.js';
import type { IndexEntry, StatusIndex } from '../status-paths.js';
import { INDEX_PATH, hostStatusDir, parseIndex } from '../status-paths.js';
import { gitAt, gitMessage, remoteError, safeUrl } from '../../source/git.js';
import { removeStaleLocks } from '../../source/clone.js';
import { ConvergeError, messageOf } from '../../platform/errors.js';

const TIP_REF = 'refs/converge/aggregate-tip';
const BUILD_REF = 'refs/converge/aggregate-build';
/** The subject line lists events up to this length; the body lists every one. */
const SUBJECT_MAX = 200;

export interface AggregateBranchOptions {
  url: string;
  branch: string;
  /** SSH private key that signs the commits. */
  signingKey?: string;
  /** Past this many hosts, reports go to state/_<shard>/<host>/. */
  shardAbove: number;
}

/** The aggregator's repository: a bare one in its work directory. */
export class AggregateBranch {
  private constructor(
    private readonly dir: string,
    private readonly options: AggregateBranchOptions,
  ) {}

  static async open(workDir: string, options: AggregateBranchOptions): Promise<AggregateBranch> {
    const dir = path.join(workDir, 'status.git');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(path.join(dir, 'HEAD'))) await gitAt(dir).raw(['init', '--quiet', '--bare']);
    await removeStaleLocks(dir);
    return new AggregateBranch(dir, options);
  }

  /** The tip of the status branch and its index (empty when the branch or the index does not exist yet). */
  async tip(): Promise<{ tip: string | null; index: StatusIndex; flatHosts: Set<string>; aggregatedAt: number | null }> {
    const { url, branch } = this.options;
    const git = gitAt(this.dir);
    try {
      await git.raw(['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', url, `+refs/heads/${branch}:${TIP_REF}`]);
    } catch (error) {
      if (/couldn't find remote ref/i.test(gitMessage(error))) return { tip: null, index: emptyIndex(), flatHosts: new Set(), aggregatedAt: null };
      throw remoteError(`cannot fetch the status branch ${branch} from ${safeUrl(url)}`, error);
    }
    const tip = (await git.raw(['rev-parse', TIP_REF])).trim();
    const text = await git.raw(['cat-file', 'blob', `${tip}:${INDEX_PATH}`]).catch(() => null);
    const index = (text && parseIndex(text)) || emptyIndex();
    // Hosts that push their reports straight to state/<host>/ (a fleet part-way through switching).
    const top = await git.raw(['ls-tree', '--name-only', tip, 'state/']).catch(() => '');
    const flatHosts = new Set(top.split('\n').map((l) => l.replace(/^state\//, '')).filter((n) => n && !n.startsWith('_') && !n.includes('.')));
    // When the last aggregator commit was made (a restarted aggregator keeps to one push an interval).
    const [name, time] = (await git.raw(['log', '-1', '--format=%cn %ct', tip])).trim().split(' ');
    return { tip, index, flatHosts, aggregatedAt: name === 'converge-aggregator' ? Number(time) * 1000 : null };
  }

  /**
   * One commit on `tip` with `changed` and the index that records them; pushed. False when the branch moved
   * meanwhile (another aggregator, a host pushing directly): read the tip again and redo the pass.
   */
  async commit(tip: string | null, index: StatusIndex, flatHosts: Set<string>, changed: Changed[], allHosts: string[], now = new Date()): Promise<{ pushed: boolean; commit: string; index: StatusIndex }> {
    const total = new Set([...Object.keys(index.hosts), ...allHosts]).size;
    const sharded = index.sharded || total > this.options.shardAbove;
    const next: StatusIndex = { version: 1, sharded, hosts: { ...index.hosts } };
    const chunks: Buffer[] = [Buffer.from(`reset ${BUILD_REF}\n`)];
    const data = (bytes: Buffer | string) => {
      const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
    };
    const when = Math.floor(now.getTime() / 1000);
    chunks.push(Buffer.from(`commit ${BUILD_REF}\ncommitter converge-aggregator <converge@aggregator> ${when} +0000\n`));
    data('build\n');
    if (tip) chunks.push(Buffer.from(`from ${tip}\n`));
    // A fleet that grew past the limit: every host already in the index moves to its shard once.
    if (sharded && !index.sharded) {
      for (const host of Object.keys(index.hosts)) chunks.push(Buffer.from(`R ${hostStatusDir(host, false)} ${hostStatusDir(host, true)}\n`));
    }
    for (const c of changed) {
      const dir = hostStatusDir(c.host, sharded);
      if (sharded && flatHosts.has(c.host)) chunks.push(Buffer.from(`D ${hostStatusDir(c.host, false)}\n`));
      chunks.push(Buffer.from(`M 100644 inline ${dir}/status.json\n`));
      data(c.envelope.statusJson);
      chunks.push(Buffer.from(`M 100644 inline ${dir}/STATUS.md\n`));
      data(c.envelope.statusMarkdown);
      if (c.envelope.signature) {
        chunks.push(Buffer.from(`M 100644 inline ${dir}/status.json.sig\n`));
        data(c.envelope.signature);
      } else chunks.push(Buffer.from(`D ${dir}/status.json.sig\n`));
      next.hosts[c.host] = { dir, etag: c.etag, ...indexSummary(c) };
    }
    if (sharded && !index.sharded) for (const [host, e] of Object.entries(next.hosts)) next.hosts[host] = { ...e, dir: hostStatusDir(host, true) };
    chunks.push(Buffer.from(`M 100644 inline ${INDEX_PATH}\n`));
    data(JSON.stringify(sortedIndex(next)) + '\n');
    chunks.push(Buffer.from('done\n'));
    const git = gitAt(this.dir);
    try {
      await gitAt(this.dir, {}, Buffer.concat(chunks)).raw(['fast-import', '--quiet', '--force', '--done']);
    } catch (error) {
      throw new ConvergeError('io', `cannot build the aggregate commit: ${gitMessage(error)}`, { cause: error });
    }
    const tree = (await git.raw(['rev-parse', `${BUILD_REF}^{tree}`])).trim();
    const sign = this.options.signingKey ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${this.options.signingKey}`] : [];
    const env = { GIT_AUTHOR_NAME: 'converge-aggregator', GIT_AUTHOR_EMAIL: 'converge@aggregator', GIT_COMMITTER_NAME: 'converge-aggregator', GIT_COMMITTER_EMAIL: 'converge@aggregator' };
    let commit: string;
    try {
      commit = (await gitAt(this.dir, env, Buffer.from(commitMessage(changed))).raw([...sign, 'commit-tree', ...(this.options.signingKey ? ['-S'] : ['--no-gpg-sign']), ...(tip ? ['-p', tip] : []), '-F', '-', tree])).trim();
    } catch (error) {
      throw new ConvergeError('io', `cannot write the aggregate commit${this.options.signingKey ? ` signed with ${this.options.signingKey}` : ''}: ${gitMessage(error)}`, { cause: error });
    }
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new ConvergeError('internal', `commit-tree answered '${commit.slice(0, 80)}'`);
    return { pushed: await this.push(commit), commit, index: next };
  }

  private async push(commit: string): Promise<boolean> {
    const { branch, url } = this.options;
    try {
      await gitAt(this.dir).raw(['push', '--quiet', url, `${commit}:refs/heads/${branch}`]);
      return true;
    } catch (error) {
      if (/\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|stale info|incorrect old value/i.test(messageOf(error))) return false;
      throw remoteError(`cannot push the status branch ${branch} to ${safeUrl(url)}`, error);
    }
  }
}

/** The commit message: the events joined on the subject line (as far as it fits), then one line each. */
export function commitMessage(changed: Changed[]): string {
  const lines = changed.flatMap((c) => [...(c.missed ? [`${c.host}: (earlier events were not kept by the store)`] : []), ...(c.events.length ? c.events.map((e) => oneLine(e.message)) : [`${c.host}: report updated`])]);
  let subject = '';
  for (const [i, line] of lines.entries()) {
    const more = lines.length - i;
    const candidate = subject ? `${subject}; ${line}` : line;
    if (candidate.length > SUBJECT_MAX && subject) {
      subject += `; … and ${more} more`;
      break;
    }
    subject = candidate;
  }
  const hosts = changed.length;
  return `${subject}\n\n${hosts} host${hosts === 1 ? '' : 's'}, ${lines.length} event${lines.length === 1 ? '' : 's'}:\n${lines.join('\n')}\n`;
}

/** An event as one printable line: a host's text never adds lines or terminal controls to the commit message. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return (text.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 500);
}

/** A changed report as its index entry reads it: result, commit in force, ring, what it waits on (bounded, one line). */
export function indexSummary(c: Pick<Changed, 'envelope' | 'events'>): Omit<IndexEntry, 'dir' | 'etag'> {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(c.envelope.statusJson) as Record<string, unknown>;
  } catch {
    // kept as the host wrote it; the index shows what it can
  }
  const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const ring = typeof doc.ring === 'string' && /^[\w.-]{1,63}$/.test(doc.ring) ? { ring: doc.ring } : {};
  return { reportId: c.envelope.reportId, result: text(doc.result, 'unknown'), endedAt: text(doc.endedAt, c.envelope.at), event: text(doc.event, c.events.at(-1)?.message ?? ''), applied: typeof doc.applied === 'string' ? doc.applied : null, ...ring, ...waitingOf(doc.waiting) };
}

/** The report's `waiting`, when it is one: a commit id, a waiting result, the reason as one short line. */
function waitingOf(w: unknown): { waiting?: IndexEntry['waiting'] } {
  if (!w || typeof w !== 'object') return {};
  const { commit, result, reason } = w as Record<string, unknown>;
  if (typeof commit !== 'string' || !/^[0-9a-f]{7,64}$/.test(commit) || !['held', 'pending', 'deferred'].includes(String(result))) return {};
  return { waiting: { commit, result: String(result), reason: oneLine(typeof reason === 'string' ? reason : '').slice(0, 200) } };
}

function emptyIndex(): StatusIndex {
  return { version: 1, sharded: false, hosts: {} };
}

function sortedIndex(index: StatusIndex): StatusIndex {
  return { version: 1, sharded: index.sharded, hosts: Object.fromEntries(Object.entries(index.hosts).sort(([a], [b]) => a.localeCompare(b))) };
}
