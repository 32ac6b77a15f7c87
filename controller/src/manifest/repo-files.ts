// Small read-only helpers over the fleet repository's folders.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

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
