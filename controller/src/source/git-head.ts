// The commit a working tree is at, read from .git without spawning git.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** HEAD's commit id in `repo`, or null when it is not a git checkout (or has no commit). */
export function headCommit(repo: string): string | null {
  try {
    let gitDir = path.join(repo, '.git');
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir: (.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!m) return null;
      gitDir = path.resolve(repo, m[1]!.trim());
    }
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const common = commonDir(gitDir);
    for (const dir of [gitDir, common]) {
      try {
        return readFileSync(path.join(dir, ref), 'utf8').trim();
      } catch {
        // try packed-refs
      }
    }
    const packed = readFileSync(path.join(common, 'packed-refs'), 'utf8');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? line.split(' ')[0]! : null;
  } catch {
    return null;
  }
}

function commonDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** The fleet repository around `dir`: the nearest ancestor with a `hosts/` folder or a `.git`. */
export function findRepo(dir: string): string | null {
  let current = path.resolve(dir);
  for (;;) {
    for (const marker of ['hosts', '.git']) {
      try {
        statSync(path.join(current, marker));
        return current;
      } catch {
        // keep looking
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}
