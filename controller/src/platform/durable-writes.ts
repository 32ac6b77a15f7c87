// What a run makes durable together instead of once per write: the temp files
// of many resources, synced before any of them is renamed into place, and the
// directories whose entries were renamed, fsynced once each at the end.
//
// Each temp file still reaches the disk before its rename (DESIGN.md §4). On
// Linux a batch of them is made durable by one syncfs(2) of their filesystem
// (coreutils' /usr/bin/sync -f, given the held directory as its descriptor 3)
// instead of one fsync each: a first converge of 10,000 files made 10,000
// journal commits and device flushes, and spent about a fifth of its time on
// them (bench/fsync-cost.mjs); in batches of 256 it makes about 40. syncfs
// writes out all of that filesystem's dirty data, other programs' too, so it is
// used only for a batch large enough to be worth it and only on ext4, xfs and
// btrfs, where it commits the journal and flushes the device cache as fsync
// does. Anything else, a failed `sync`, or a small batch: each file is fsynced
// through the thread pool, several at once (the journal commits fsyncs waiting
// together as one).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import process from 'node:process';
import { fsyncFd, syncDirectories } from './fs-atomic.js';
import { DIR_CACHE_MAX } from './safe-path.js';
import type { SafeDir } from './safe-path.js';

/** Fewer files than this are fsynced one by one: a drift heal of one file does not sync a whole filesystem. */
export const MIN_SYNCFS_BATCH = 16;
/**
 * A batch is synced once this many temp files wait, and the engine keeps twice as
 * many resources in flight: one batch syncs while the next fills. At N=10,000
 * (bench/fsync-cost.mjs) 512 in flight in batches of 256 was faster than 256/128,
 * 1,024/512 and 128/64.
 */
export const SYNCFS_BATCH = 256;
/** Resources in flight without batching: fsyncs waiting together, a few at a time. */
export const UNBATCHED_WIDTH = 8;

// statfs f_type of the filesystems whose syncfs commits the journal and flushes the device cache (linux/magic.h).
const SYNCFS_TYPES = new Set([0xef53 /* ext2/3/4 */, 0x58465342 /* xfs */, 0x9123683e /* btrfs */]);

interface Waiter {
  fd: number;
  dir: SafeDir;
  dev: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** A `sync -f` that failed once (an option it lacks, an I/O error) is not tried again by this process. */
let syncfsBroken = false;
/** Per device, for this run: does syncfs make its files durable (known filesystem type)? */
const syncfsByDev = new Map<number, boolean>();

export class DurableWrites {
  /** Directories whose entries were renamed: fsynced once each by finish(). */
  readonly directories = new Set<string>();
  private pending: Waiter[] = [];
  private batching = false;
  private batchSize = SYNCFS_BATCH;
  /** The engine waits for work in flight: a temp file that comes now is synced at the end of this turn of the event loop. */
  private engineWaits = false;
  private flushQueued = false;

  /**
   * Between begin() and end(), temp files wait for flush() (the engine's window
   * says when it waits for what is in flight); outside, each is fsynced at
   * once. Returns how many resources the engine may keep in flight.
   */
  begin(): number {
    this.batching = process.platform === 'linux' && !syncfsBroken;
    if (!this.batching) return UNBATCHED_WIDTH;
    syncfsByDev.clear(); // a device number freed by an unmount may come back as another filesystem
    // Each resource in flight may hold a temp file and a directory open, beside the
    // run's directory cache: a process allowed 1,024 descriptors keeps 192 in flight, in batches of 96.
    const spare = Math.floor((openFileLimit() - DIR_CACHE_MAX - 128) / 4);
    this.batchSize = Math.max(MIN_SYNCFS_BATCH, Math.min(SYNCFS_BATCH, spare));
    return 2 * this.batchSize;
  }

  /** Flush what waits and stop batching. */
  end(): void {
    this.flush();
    this.batching = false;
    this.engineWaits = false;
  }

  /** The engine waits for work in flight, some of which may wait here: sync what waits, and what comes while it waits. */
  waiting(): void {
    this.engineWaits = true;
    this.flush();
  }

  /** The engine goes on starting work: temp files gather into a batch again. */
  resumed(): void {
    this.engineWaits = false;
  }

  /** Resolves once the complete temp file open as `fd` (in held `dir`, so on dir's filesystem) is on disk. */
  sync(fd: number, dir: SafeDir): Promise<void> {
    if (!this.batching) return fsyncFd(fd);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ fd, dir, dev: dir.st.dev, resolve, reject });
      if (this.pending.length >= this.batchSize) this.flush();
      else if (this.engineWaits && !this.flushQueued) {
        // Work the engine already waits for came here after it began to wait (a resource resumed by a microtask): in
        // the same turn, more may follow, and they go in one batch.
        this.flushQueued = true;
        setImmediate(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    });
  }

  /** Start syncing every temp file that waits. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (syncfsBroken) return fsyncEach(batch);
    const byDev = new Map<number, Waiter[]>();
    for (const w of batch) {
      const group = byDev.get(w.dev);
      if (group) group.push(w);
      else byDev.set(w.dev, [w]);
    }
    for (const group of byDev.values()) {
      if (group.length < MIN_SYNCFS_BATCH || !syncfsWorks(group[0]!)) fsyncEach(group);
      else syncfs(group);
    }
  }

  /** Flush what waits, then fsync the directories collected (the renames in them survive a power cut). */
  async finish(): Promise<void> {
    this.end();
    await syncDirectories(this.directories);
    this.directories.clear();
  }
}

let fileLimit: number | undefined;

/** The soft limit on open descriptors (Node raises it to the hard one as it starts), read once per process. */
function openFileLimit(): number {
  return (fileLimit ??= readFileLimit());
}

function readFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : Number(soft) || 1024;
  } catch {
    return 1024;
  }
}

function fsyncEach(waiters: Waiter[]): void {
  for (const w of waiters) fsyncFd(w.fd).then(w.resolve, w.reject);
}

function syncfsWorks(w: Waiter): boolean {
  let known = syncfsByDev.get(w.dev);
  if (known === undefined) {
    try {
      known = SYNCFS_TYPES.has(Number(statfsSync(`/proc/self/fd/${w.dir.fd}`).type));
    } catch {
      known = false;
    }
    syncfsByDev.set(w.dev, known);
  }
  return known;
}

let program: string | null | undefined;

/** coreutils' sync, where the OS keeps it (not looked up on PATH). */
function syncProgram(): string | null {
  return (program ??= ['/usr/bin/sync', '/bin/sync'].find((p) => existsSync(p)) ?? null);
}

/** One syncfs for files on one filesystem: `sync -f` on the held directory, passed as descriptor 3 (no path to look up). */
function syncfs(group: Waiter[]): void {
  let settled = false;
  const settle = (ok: boolean) => {
    if (settled) return;
    settled = true;
    if (ok) for (const w of group) w.resolve();
    else {
      syncfsBroken = true; // each file's own fsync reports any error for that file
      fsyncEach(group);
    }
  };
  try {
    const bin = syncProgram();
    if (!bin) return settle(false);
    const child = spawn(bin, ['-f', '/proc/self/fd/3'], { stdio: ['ignore', 'ignore', 'ignore', group[0]!.dir.fd] });
    child.on('error', () => settle(false));
    child.on('close', (code) => settle(code === 0));
  } catch {
    settle(false);
  }
}
