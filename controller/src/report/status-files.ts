// Which status.json files a status branch holds, without walking every tree:
// state/index.json (written by the aggregator) names the aggregated hosts,
// and one listing of state/ finds the hosts that push directly.
import { gitAt } from '../source/git.js';
import { HOST_NAME } from '../manifest/host-schema.js';
import { INDEX_PATH, hostStatusDir, isShardFolder, parseIndex } from './status-paths.js';

/** One host's report file at a tip: the host is the one its path names. */
export interface StatusFile {
  host: string;
  path: string;
}

/** Every host's status.json path at `tip` in the repository `dir`. */
export async function statusFiles(dir: string, tip: string): Promise<StatusFile[]> {
  const git = gitAt(dir);
  const top = (await git.raw(['ls-tree', '--name-only', tip, 'state/']).catch(() => '')).split('\n').map((l) => l.replace(/^state\//, '')).filter(Boolean);
  const files = new Map<string, StatusFile>();
  const add = (host: string, sharded: boolean) => {
    if (HOST_NAME.test(host)) files.set(`${host}\0${sharded}`, { host, path: `${hostStatusDir(host, sharded)}/status.json` });
  };
  const indexText = top.includes('index.json') ? await git.raw(['cat-file', 'blob', `${tip}:${INDEX_PATH}`]).catch(() => null) : null;
  const index = indexText ? parseIndex(indexText) : null;
  // The index's paths are recomputed from the host name, never taken from it: an entry cannot point at another host's folder.
  if (index) for (const host of Object.keys(index.hosts)) add(host, index.sharded);
  const shards = top.filter(isShardFolder);
  if (shards.length && !index?.sharded) {
    // Shard folders without an index that says so (an index lost or hand-edited): list them, still only host folders.
    const listed = await git.raw(['ls-tree', '--name-only', tip, ...shards.map((s) => `state/${s}/`)]).catch(() => '');
    for (const line of listed.split('\n')) {
      const m = /^state\/(_[0-9a-f]{2})\/([^/]+)$/.exec(line);
      if (m) add(m[2]!, true);
    }
  }
  for (const name of top) if (!isShardFolder(name) && name !== 'index.json' && name !== 'README.md') add(name, false);
  return [...files.values()];
}
