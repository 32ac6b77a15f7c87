// Old releases go once an upgrade is confirmed: the current one and the two
// before it stay (a switch back needs the previous one whole), with the build
// caches and runtimes they use.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Layout, ReleaseInfo } from './release.js';
import { readRelease } from './release.js';

/** Remove all but the current release (its id, the folder name) and the `keep` newest others; return the ids removed. */
export async function pruneReleases(l: Layout, current: string, keep = 2): Promise<string[]> {
  const names = (await readdir(l.releases).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  const infos = names.map((name) => ({ name, info: safeRead(path.join(l.releases, name)) }));
  infos.sort((a, b) => (b.info?.builtAt ?? '').localeCompare(a.info?.builtAt ?? ''));
  const kept = new Set([current, ...infos.filter((r) => r.name !== current).slice(0, keep).map((r) => r.name)]);
  const removed: string[] = [];
  for (const r of infos) {
    if (kept.has(r.name)) continue;
    await rm(path.join(l.releases, r.name), { recursive: true, force: true });
    removed.push(r.name);
  }
  const keptInfos = infos.filter((r) => kept.has(r.name)).map((r) => r.info);
  const hashes = new Set(keptInfos.map((i) => i?.lockHash));
  if (keptInfos.every((i) => i?.lockHash)) {
    for (const name of await readdir(l.build).catch(() => [] as string[])) if (/^[0-9a-f]{16}$/.test(name) && !hashes.has(name)) await rm(path.join(l.build, name), { recursive: true, force: true });
  }
  return removed;
}

function safeRead(dir: string): ReleaseInfo | null {
  try {
    return readRelease(dir);
  } catch {
    return null;
  }
}
