// Which of some paths a process still holds open for writing (an editor or a
// `cat > file` mid-write). Linux only: every process's descriptors under
// /proc/<pid>/fd, their open flags from /proc/<pid>/fdinfo. Elsewhere, and
// for processes this one may not inspect, nothing is known: an empty answer.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import process from 'node:process';

const O_ACCMODE = 0o3;
const O_RDONLY = 0;

/** True where this OS lets us see other processes' open files. */
export const canSeeOpenWriters = process.platform === 'linux';

/**
 * The paths among `paths` that some other process has open for writing.
 * One pass over /proc (a few milliseconds for a few hundred processes).
 */
export function openForWriting(paths: ReadonlySet<string>): Set<string> {
  const busy = new Set<string>();
  if (!canSeeOpenWriters || paths.size === 0) return busy;
  const self = String(process.pid);
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return busy;
  }
  for (const pid of pids) {
    if (pid === self || !isDigits(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, a kernel thread, or not ours to see
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!paths.has(target) || busy.has(target)) continue;
      if (writable(pid, fd)) busy.add(target);
    }
  }
  return busy;
}

function writable(pid: string, fd: string): boolean {
  try {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
    return flags === undefined || (parseInt(flags, 8) & O_ACCMODE) !== O_RDONLY;
  } catch {
    return false; // closed in the meantime
  }
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}
