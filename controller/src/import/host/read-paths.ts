// Files, directories and links under the paths given, as resources: content
// copied into files/imported/, mode, owner and group as they are. Nothing is
// followed: a link is imported as a link. Secret-looking files are left out
// and listed.
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { UserDb } from '../../platform/users.js';
import { secretReason } from './secrets.js';

/** A resource as it goes into imported.yml. */
export type ImportedResource = Record<string, unknown>;

/** A file left out because it looks secret. */
export interface SecretFile {
  path: string;
  reason: string;
  content: Buffer;
}

export interface PathImport {
  resources: ImportedResource[];
  /** repository-relative path (under the host folder) → bytes */
  files: Map<string, Buffer>;
  secrets: SecretFile[];
  skipped: string[];
}

const MAX_FILE = 4 * 1024 * 1024;

/** Walk each host path under `root`. */
export function readPaths(paths: readonly string[], root: string, users: UserDb): PathImport {
  const out: PathImport = { resources: [], files: new Map(), secrets: [], skipped: [] };
  const local = (p: string) => (root === '/' ? p : path.join(root, p));
  const attrs = (st: Stats) => ({
    mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
    owner: users.userName(st.uid),
    group: users.groupName(st.gid),
  });
  const visit = (hostPath: string) => {
    const st = lstatSync(local(hostPath), { throwIfNoEntry: false });
    if (!st) {
      out.skipped.push(`${hostPath}: not found`);
      return;
    }
    if (st.isSymbolicLink()) {
      out.resources.push({ symlink: hostPath, target: readlinkSync(local(hostPath)) });
    } else if (st.isDirectory()) {
      out.resources.push({ directory: hostPath, ...attrs(st) });
      for (const name of readdirSync(local(hostPath)).sort()) visit(path.posix.join(hostPath, name));
    } else if (st.isFile()) {
      if (st.size > MAX_FILE) {
        out.skipped.push(`${hostPath}: ${st.size} bytes, larger than ${MAX_FILE} (keep big files out of git)`);
        return;
      }
      const content = readFileSync(local(hostPath));
      const reason = secretReason(hostPath, content);
      if (reason) {
        out.secrets.push({ path: hostPath, reason, content });
        return;
      }
      const source = path.posix.join('files/imported', hostPath.replace(/^\/+/, ''));
      out.files.set(source, content);
      out.resources.push({ file: hostPath, source, ...attrs(st) });
    } else {
      out.skipped.push(`${hostPath}: a special file (socket, device or fifo)`);
    }
  };
  for (const p of paths) visit(path.posix.normalize(p).replace(/\/+$/, '') || '/');
  return out;
}
