// Real fleet repositories for tests: files written to a temp folder and
// committed with git, so --repo is a real repository as users have it.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from './tmp.js';

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.invalid',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Run git in `cwd`; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

export interface Fleet {
  dir: string;
  /** Write files (path → content; null deletes) and commit them. Returns the commit id. */
  commit(files: Record<string, string | Uint8Array | null>, message?: string): string;
  /** Write files without committing. */
  write(files: Record<string, string | Uint8Array | null>): void;
}

/** A git repository with the given files committed on main. */
export function createFleet(files: Record<string, string | Uint8Array | null> = {}): Fleet {
  const dir = tempDir('converge-fleet-');
  git(dir, 'init', '-q', '-b', 'main');
  const write = (fs: Record<string, string | Uint8Array | null>) => {
    for (const [rel, content] of Object.entries(fs)) {
      const full = path.join(dir, rel);
      if (content === null) {
        rmSync(full, { force: true, recursive: true });
        continue;
      }
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  };
  const commit = (fs: Record<string, string | Uint8Array | null>, message = 'change') => {
    write(fs);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', message);
    return git(dir, 'rev-parse', 'HEAD').trim();
  };
  commit(files, 'initial');
  return { dir, commit, write };
}

/** A host.yml for tests. */
export function hostYml(os = 'linux', extra = ''): string {
  return `os: ${os}\n${extra}`;
}
