// A throwaway bare repository for reading branches as data: partial fetches
// (history without blobs, blobs only under a size limit), then sealed so no
// later command fetches a missing object behind our back, and blobs read only
// after their size is known, with a hard cap on what a read may return.
import { execFile } from 'node:child_process';
import type { SimpleGit } from 'simple-git';
import { gitAt, gitEnvironment, gitMessage, remoteError, safeUrl } from '../source/git.js';
import { ConvergeError } from '../platform/errors.js';

/** A full object id (SHA-1 or SHA-256), and nothing else. */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A local path or file:// URL: its upload-pack is ours to run, with filters allowed (as GitHub allows them). */
function isLocal(url: string): boolean {
  return url.startsWith('file://') || url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url);
}

/** A bare repository in `dir` for reading. */
export class ReadRepo {
  readonly git: SimpleGit;
  private readonly remotes = new Set<string>();

  private constructor(readonly dir: string) {
    this.git = gitAt(dir);
  }

  /** The repository a reader built in `dir` earlier, as it is (sealed: no remotes). */
  static open(dir: string): ReadRepo {
    return new ReadRepo(dir);
  }

  static async create(dir: string): Promise<ReadRepo> {
    const repo = new ReadRepo(dir);
    await repo.git.raw(['init', '--quiet', '--bare']);
    return repo;
  }

  /**
   * Fetch `what` (refspecs or object ids) from `url` as remote `name`, with `filter` (a partial fetch). Null when the ref
   * does not exist. `incremental`: say what is here already, so only what is new comes (a repository kept between reads).
   */
  async fetch(name: string, url: string, what: string[], extra: string[] = [], incremental = false): Promise<'ok' | 'missing'> {
    if (!this.remotes.has(name)) {
      await this.git.raw(['config', `remote.${name}.url`, url]);
      await this.git.raw(['config', `remote.${name}.promisor`, 'true']);
      if (isLocal(url)) await this.git.raw(['config', `remote.${name}.uploadpack`, 'git -c uploadpack.allowFilter=true upload-pack']);
      this.remotes.add(name);
    }
    try {
      // No gc or maintenance here: a kept repository is rebuilt instead (see status-verify), never repacked under a read.
      const negotiate = incremental ? ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false'] : ['-c', 'fetch.negotiationAlgorithm=noop'];
      await this.git.raw([...negotiate, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', ...extra, name, ...what]);
      return 'ok';
    } catch (error) {
      if (/couldn't find remote ref/i.test(gitMessage(error))) return 'missing';
      throw remoteError(`cannot fetch from ${safeUrl(url)}`, error);
    }
  }

  /** No more fetching: a missing object is missing from here on, never fetched by a later command. */
  async seal(): Promise<void> {
    for (const name of this.remotes) await this.git.raw(['config', '--remove-section', `remote.${name}`]).catch(() => '');
    this.remotes.clear();
  }

  /** The commit id a ref points to, or null. */
  async ref(ref: string): Promise<string | null> {
    const id = (await this.git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', ref]).catch(() => '')).trim();
    return OBJECT_ID.test(id) ? id : null;
  }

  /** Sizes of objects of `type` (null when missing: filtered out, never there, or another type). */
  async sizes(oids: readonly string[], type: 'blob' | 'commit' = 'blob'): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    const unique = [...new Set(oids.filter((o) => OBJECT_ID.test(o)))];
    if (unique.length === 0) return out;
    const text = (await this.run(['cat-file', '--batch-check'], unique.join('\n') + '\n', unique.length * 128 + 4096)).toString('utf8');
    for (const line of text.split('\n')) {
      const [oid, kind, size] = line.split(' ');
      if (oid && OBJECT_ID.test(oid)) out.set(oid, kind === type && size ? Number(size) : null);
    }
    return out;
  }

  /** The blobs among `oids` whose size is at most `maxBytes` (others are left out), read in one process with a cap on its output. */
  blobs(oids: readonly string[], maxBytes: number): Promise<Map<string, Buffer>> {
    return this.objects(oids, 'blob', maxBytes);
  }

  /** Objects of `type` among `oids` whose size is at most `maxBytes`, read in one process with a cap on its output. */
  async objects(oids: readonly string[], type: 'blob' | 'commit', maxBytes: number): Promise<Map<string, Buffer>> {
    const sizes = await this.sizes(oids, type);
    const wanted = [...sizes].filter(([, size]) => size !== null && size <= maxBytes).map(([oid]) => oid);
    const out = new Map<string, Buffer>();
    if (wanted.length === 0) return out;
    const total = wanted.reduce((n, oid) => n + sizes.get(oid)! + 128, 4096);
    const bytes = await this.run(['cat-file', '--batch'], wanted.join('\n') + '\n', total);
    let at = 0;
    while (at < bytes.length) {
      const eol = bytes.indexOf(0x0a, at);
      if (eol === -1) break;
      const [oid, found, size] = bytes.subarray(at, eol).toString('utf8').split(' ');
      at = eol + 1;
      if (found !== type || !oid) continue;
      const n = Number(size);
      out.set(oid, bytes.subarray(at, at + n));
      at += n + 1;
    }
    return out;
  }

  /** git with `input` on stdin; output beyond `maxBytes` is an error, never a bigger buffer. */
  run(args: string[], input: string, maxBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = execFile('git', args, { cwd: this.dir, env: gitEnvironment(), encoding: 'buffer', maxBuffer: maxBytes, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) reject(new ConvergeError('io', `git ${args[0]} failed: ${stderr.toString('utf8').trim().split('\n')[0] || error.message}`, { cause: error }));
        else resolve(stdout);
      });
      // git may exit before reading all of its input (an error, or a command that reads none): that is its answer, not ours.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
  }
}
