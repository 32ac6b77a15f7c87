// Read files of one commit without checking it out: the host folders it has,
// and small files by path, in one `git cat-file --batch`. In the agent's
// partial clone, the blobs are fetched first in one request (not one by one).
import type { SimpleGit } from 'simple-git';
import { gitAt } from './git.js';

/** Folder names right under `dir` at `commit` ([] when there is no such folder). */
export async function foldersAt(git: SimpleGit, commit: string, dir: string): Promise<string[]> {
  const out = await git.raw(['ls-tree', '-z', `${commit}:${dir}`]).catch(() => '');
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => /^\d+ tree [0-9a-f]+\t(.+)$/s.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The bytes of each of `paths` at `commit` that exists (missing ones are left out); at most `maxBytes` each. */
export async function filesAt(repoDir: string, commit: string, paths: readonly string[], options: { prefetch?: boolean; maxBytes?: number } = {}): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (paths.length === 0) return found;
  const git = gitAt(repoDir);
  // ls-tree reads trees only: in a partial clone it fetches nothing.
  const listed = new Map<string, string>();
  for (const line of (await git.raw(['ls-tree', '-z', commit, '--', ...paths])).split('\0')) {
    const m = /^\d+ blob ([0-9a-f]{40,64})\t(.+)$/s.exec(line);
    if (m) listed.set(m[2]!, m[1]!);
  }
  const blobs = paths.map((p) => listed.get(p) ?? null);
  if (options.prefetch) {
    const wanted = [...new Set(blobs.filter((b): b is string => b !== null))];
    // One fetch for every blob a partial clone lacks (git skips the ones it has).
    if (wanted.length) await git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--filter=blob:none', 'origin', ...wanted]);
  }
  const ids = blobs.filter((b): b is string => b !== null);
  if (ids.length === 0) return found;
  const out = Buffer.from(await gitAt(repoDir, {}, Buffer.from(ids.join('\n') + '\n')).raw(['cat-file', '--batch']), 'utf8');
  const byId = new Map<string, Buffer>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol === -1) break;
    const [id, type, sizeText] = out.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (type !== 'blob') continue;
    const size = Number(sizeText);
    byId.set(id!, out.subarray(at, at + Math.min(size, options.maxBytes ?? Infinity)));
    at += size + 1;
  }
  paths.forEach((p, i) => {
    const id = blobs[i];
    const bytes = id ? byId.get(id) : undefined;
    if (bytes) found.set(p, bytes);
  });
  return found;
}
