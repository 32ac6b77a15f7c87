// Between runs, watch the paths the host's resources manage (each type's
// watchPaths) through the OS's own notifications (inotify, FSEvents,
// ReadDirectoryChangesW via fs.watch): one watch per directory holding
// managed paths, so a replaced file (an editor's save renamed into place), a
// removed one and a changed mode are all seen by name. A change by hand is
// drift: `onDrift` is called with the resources touched once their paths
// have been quiet for a moment and no other process still has them open for
// writing (Linux: /proc), so a file is never judged, or healed, half-written.
// During a run the agent writes those paths itself: events for what the run
// wrote are recognised by the file's identity (inode, ctime, size, mode)
// right after the run, and ignored while it is still the same; events for
// anything else are kept and raised when the run is over.
import { lstat } from 'node:fs/promises';
import { lstatSync, realpathSync, watch as watchDirectory } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/logger.js';
import { messageOf } from '../platform/errors.js';
import { openForWriting } from '../platform/open-writers.js';

export interface DriftWatchTiming {
  /** Quiet time after a path's last event before it is looked at: a writer's burst of writes ends first. */
  settleMs: number;
  /** A stream of events never holds the first of them back longer than this. */
  maxSettleMs: number;
  /** A path another process holds open for writing is looked at again after this, then twice as long each time… */
  busyFirstMs: number;
  /** …up to this. */
  busyMaxMs: number;
}

/** Editors write a file in one burst (microseconds apart); one still writing holds it open, which is checked separately. */
const TIMING: DriftWatchTiming = { settleMs: 8, maxSettleMs: 200, busyFirstMs: 20, busyMaxMs: 1000 };

interface Watched {
  watcher: FSWatcher;
  /** The directory's inode when watched: a different one means it was replaced and needs a new watch. */
  ino: bigint;
  /** The managed paths this watch stands for (children, or deeper ones while their parent is missing). */
  paths: Set<string>;
}

export class DriftWatch {
  /** local path → resource id */
  private targets = new Map<string, string>();
  /** watched directory → its watch */
  private dirs = new Map<string, Watched>();
  /** Watched directories seen removed, moved or replaced: watched anew after the next run. */
  private stale = new Set<string>();
  private running = false;
  /** local path → identity right after the run that wrote it */
  private written = new Map<string, string>();
  private heldDuringRun = new Set<string>();
  private pending = new Set<string>();
  /** Paths written (or chmodded) in place since they were last raised: a writer may still hold them open. */
  private inPlace = new Set<string>();
  private firstPendingAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** path → how long to wait before looking again whether its writer is done */
  private busy = new Map<string, number>();
  private busyTimer: NodeJS.Timeout | null = null;
  /** Paths queued so far (a counter): tells whether anything happened since a look at the open files. */
  private events = 0;
  /** The look at open files taken just after the first event of a burst, while the settle time runs. */
  private early: { at: number; paths: Set<string>; open: Set<string> } | null = null;
  private earlyScheduled = false;
  private closed = false;
  private readonly timing: DriftWatchTiming;

  constructor(
    private readonly log: Logger,
    private readonly onDrift: (ids: string[]) => void,
    timing: Partial<DriftWatchTiming> = {},
  ) {
    this.timing = { ...TIMING, ...timing };
  }

  /** Watch exactly these local paths (re-armed after each run, since the manifests or the machine may have changed). */
  async watch(targets: Map<string, string>): Promise<void> {
    if (this.closed) return;
    const same = targets === this.targets || (targets.size === this.targets.size && [...targets].every(([p, id]) => this.targets.get(p) === id));
    if (same && this.stale.size === 0 && this.dirs.size > 0) return;
    this.targets = targets;
    const wanted = new Map<string, Set<string>>();
    const existing = new Map<string, boolean>();
    for (const p of targets.keys()) {
      const dir = nearestDirectory(path.dirname(p), existing);
      if (!dir) continue;
      if (!wanted.has(dir)) wanted.set(dir, new Set());
      wanted.get(dir)!.add(p);
    }
    for (const [dir, w] of this.dirs) {
      if (!wanted.has(dir) || this.stale.has(dir)) {
        w.watcher.close();
        this.dirs.delete(dir);
      }
    }
    this.stale.clear();
    let failed = 0;
    for (const [dir, paths] of wanted) {
      const have = this.dirs.get(dir);
      if (have) {
        have.paths = paths;
        continue;
      }
      try {
        const ino = lstatSync(dir, { bigint: true }).ino;
        const watcher = watchDirectory(dir, { persistent: true }, (kind, name) => this.event(dir, kind, name === null ? null : String(name)));
        watcher.on('error', (error: unknown) => {
          this.log.warn({ dir, err: messageOf(error) }, 'drift watch error');
          this.stale.add(dir);
        });
        this.dirs.set(dir, { watcher, ino, paths });
      } catch (error) {
        failed++;
        if (failed === 1) this.log.warn({ dir, err: messageOf(error) }, 'cannot watch a directory of managed paths');
      }
    }
    this.log.info({ paths: targets.size, directories: this.dirs.size }, 'watching managed paths');
  }

  /** A run starts: what changes from now on may be the agent's own writing. */
  beginRun(): void {
    this.running = true;
    this.heldDuringRun.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pending) this.heldDuringRun.add(p);
    this.pending.clear();
  }

  /** A run ended having written `written` (local paths): their events are ignored while they stay as the run left them; other events are raised. */
  async endRun(written: Iterable<string>): Promise<void> {
    const identities = new Map<string, string>();
    for (const p of written) identities.set(p, await identity(p));
    this.written = identities;
    this.running = false;
    const held = [...this.heldDuringRun].filter((p) => !identities.has(p));
    this.heldDuringRun.clear();
    for (const p of held) this.queue(p);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.busyTimer) clearTimeout(this.busyTimer);
    for (const w of this.dirs.values()) w.watcher.close();
    this.dirs.clear();
  }

  /** An event in a watched directory: `name` changed (or, for the directory's own name, possibly the directory itself). */
  private event(dir: string, kind: string, name: string | null): void {
    const w = this.dirs.get(dir);
    if (this.closed || !w) return;
    if (name === null) {
      for (const p of w.paths) this.seen(p, 'change');
      return;
    }
    const full = path.join(dir, name);
    if (w.paths.has(full)) this.seen(full, kind);
    if (name === path.basename(dir) && !this.sameDirectory(dir, w)) {
      // The directory itself went away (removed, moved) or was replaced: everything under it changed, and it needs a new watch.
      this.stale.add(dir);
      for (const p of w.paths) this.seen(p, 'rename');
      if (this.targets.has(dir)) this.seen(dir, 'rename');
      return;
    }
    // Watching an ancestor while the parent is missing: a new entry on the way to a managed path.
    const prefix = full + path.sep;
    for (const p of w.paths) if (p.startsWith(prefix)) this.seen(p, 'rename');
  }

  private sameDirectory(dir: string, w: Watched): boolean {
    try {
      const s = lstatSync(dir, { bigint: true });
      return s.isDirectory() && s.ino === w.ino;
    } catch {
      return false;
    }
  }

  /** `kind`: fs.watch's 'change' (written or chmodded in place) or 'rename' (created, removed, moved). */
  private seen(p: string, kind: string): void {
    if (!this.targets.has(p)) return;
    if (kind !== 'rename') this.inPlace.add(p);
    if (this.running) {
      this.heldDuringRun.add(p);
      return;
    }
    const mine = this.written.get(p);
    if (mine === undefined) {
      this.queue(p);
      return;
    }
    void identity(p).then((now) => {
      if (now === mine || this.running) return; // still what the run wrote (a late event of its own write)
      this.written.delete(p);
      this.queue(p);
    });
  }

  private queue(p: string): void {
    const now = performance.now();
    if (this.pending.size === 0) this.firstPendingAt = now;
    this.pending.add(p);
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.timing.settleMs, this.firstPendingAt + this.timing.maxSettleMs - now));
    this.timer = setTimeout(() => this.settled(), wait);
    this.events++;
    if (!this.earlyScheduled) {
      this.earlyScheduled = true;
      setImmediate(() => this.lookEarly());
    }
  }

  /**
   * Look for writers once the events at hand are taken in, instead of after the settle time: when
   * nothing else happens before it ends, that look stands, and the heal waits max(settle, look), not both.
   */
  private lookEarly(): void {
    this.earlyScheduled = false;
    if (this.running || this.closed || this.pending.size === 0) return;
    const paths = new Set(this.pending);
    this.early = { at: this.events, paths, open: openForWriting(this.mayBeOpen(paths)) };
  }

  /** The pending paths have been quiet for settleMs: raise those no writer holds open. */
  private settled(): void {
    this.timer = null;
    if (this.running || this.closed) return;
    const ready = [...this.pending];
    this.pending.clear();
    this.raise(ready);
  }

  private raise(paths: string[]): void {
    const byReal = new Map(paths.map((p) => [realPath(p), p]));
    const early = this.early;
    this.early = null;
    // Nothing happened since the early look, and it covered these paths: it still holds.
    const fresh = early !== null && early.at === this.events && paths.every((p) => early.paths.has(p));
    const open = fresh ? early.open : openForWriting(this.mayBeOpen(paths));
    const ids = new Set<string>();
    for (const [real, p] of byReal) {
      if (open.has(real)) {
        const wait = this.busy.get(p);
        if (wait === undefined) this.log.debug({ path: p }, 'drift held: another process has the file open for writing');
        // Looked at again later: those still open wait twice as long each time.
        this.busy.set(p, wait === undefined ? this.timing.busyFirstMs : Math.min(wait * 2, this.timing.busyMaxMs));
        continue;
      }
      this.busy.delete(p);
      this.inPlace.delete(p);
      const id = this.targets.get(p);
      if (id) ids.add(id);
    }
    this.scheduleBusy();
    if (ids.size) this.onDrift([...ids]);
  }

  /**
   * The paths (as /proc names them) a writer may still hold open: those written in place, and new
   * empty files (created, nothing written yet). A file renamed into place is complete (the editor
   * wrote it under another name first); a removed one has nothing to write.
   */
  private mayBeOpen(paths: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const p of paths) if (this.inPlace.has(p) || emptyFile(p)) out.add(realPath(p));
    return out;
  }

  private scheduleBusy(): void {
    if (this.busyTimer || this.busy.size === 0 || this.closed) return;
    this.busyTimer = setTimeout(() => {
      this.busyTimer = null;
      if (this.closed) return;
      const paths = [...this.busy.keys()];
      if (!this.running) return this.raise(paths);
      for (const p of paths) this.heldDuringRun.add(p);
      this.busy.clear();
    }, Math.min(...this.busy.values()));
  }
}

/** The deepest existing directory at or above `dir` (cached per call in `known`). */
function nearestDirectory(dir: string, known: Map<string, boolean>): string | null {
  for (let d = dir, guard = 0; guard < 256; guard++) {
    let ok = known.get(d);
    if (ok === undefined) {
      try {
        ok = lstatSync(d).isDirectory();
      } catch {
        ok = false;
      }
      known.set(d, ok);
    }
    if (ok) return d;
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
  return null;
}

function emptyFile(p: string): boolean {
  try {
    const s = lstatSync(p);
    return s.isFile() && s.size === 0;
  } catch {
    return false;
  }
}

/** The path as /proc names it (symlinked directories resolved). */
function realPath(p: string): string {
  try {
    return path.join(realpathSync(path.dirname(p)), path.basename(p));
  } catch {
    return p;
  }
}

/** What changes when anyone writes, replaces, chmods or removes a path. */
async function identity(p: string): Promise<string> {
  try {
    const s = await lstat(p, { bigint: true });
    return `${s.ino}:${s.ctimeNs}:${s.size}:${s.mode}`;
  } catch {
    return 'absent';
  }
}
