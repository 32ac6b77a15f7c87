// Small read-only helpers over the fleet repository's folders.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../platform/errors.js';
import { leavesBase } from '../platform/paths.js';

/** Entries of a folder, sorted; none when it cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** True for an existing folder. */
export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True for an existing regular file. */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The manifest files (*.yml, *.yaml) directly in a folder, sorted. */
export function yamlFilesIn(dir: string): string[] {
  return listDir(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.') && isFile(path.join(dir, f)));
}

/** Host folder names under `hosts/` (not starting with _ or .), sorted. */
export function listHosts(repo: string): string[] {
  return listDir(path.join(repo, 'hosts')).filter((d) => !d.startsWith('_') && !d.startsWith('.') && isDir(path.join(repo, 'hosts', d)));
}

/**
 * The bytes of a manifest at `rel` in `repo`. A link that leads out of the
 * repository is refused: a merged PR must not make the agent read (and quote in
 * its report) a file of the device such as /etc/shadow.
 */
export function readRepoFile(repo: string, rel: string): Buffer {
  const full = path.join(repo, rel);
  const inside = path.relative(realpathSync(repo), realpathSync(full));
  if (leavesBase(inside)) {
    throw Object.assign(new Error('is a symbolic link that leads out of the repository; manifests must live in it'), { code: 'ELEAVES' });
  }
  if (inGitDir(inside)) throw Object.assign(new Error(GIT_DIR_REFUSAL), { code: 'ELEAVES' });
  return readFileSync(full);
}

/** Why a path in .git/ is not a repository file. */
export const GIT_DIR_REFUSAL = "leads into .git/, git's own data (remote URLs with any credentials, hooks), not a file of the repository";

/**
 * True when a repository-relative real path lies in a `.git` folder (the agent's
 * clone config, a submodule's): "inside the repository" means its tracked files.
 */
export function inGitDir(rel: string): boolean {
  return rel.split(/[\\/]/).some((part) => part.toLowerCase() === '.git');
}

/** What to say when readRepoFile failed. */
export function repoReadError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code === 'ELEAVES' ? String(e.message) : `cannot read: ${messageOf(error)}`;
}
