// Between runs, watch the paths the host's resources manage (each type's
// watchPaths). A change by hand is drift: `onDrift` is called (debounced)
// with the resources touched. During a run the agent writes those paths
// itself: events for what the run wrote are recognised by the file's identity
// (inode, ctime, size) right after the run, and ignored while it is still the
// same; events for anything else are kept and raised when the run is over.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Logger } from '../platform/logger.js';
import { messageOf } from '../platform/errors.js';

/** How long to wait for more events before calling onDrift. */
const DEBOUNCE_MS = 300;

export class DriftWatch {
  private watcher: FSWatcher | null = null;
  /** local path → resource id */
  private targets = new Map<string, string>();
  private running = false;
  /** local path → identity right after the run that wrote it */
  private written = new Map<string, string>();
  private heldDuringRun = new Set<string>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly onDrift: (ids: string[]) => void,
  ) {}

  /** Watch exactly these local paths (re-armed after each run, since the manifests or the machine may have changed). */
  async watch(targets: Map<string, string>): Promise<void> {
    if (this.closed) return;
    const same = targets.size === this.targets.size && [...targets].every(([p, id]) => this.targets.get(p) === id);
    if (same && this.watcher) return;
    await this.watcher?.close();
    this.targets = new Map(targets);
    const { watch } = await import('chokidar');
    const paths = new Set(targets.keys());
    // depth 0 and everything but our own paths ignored: a managed directory costs one watch, not one per file in it.
    const watcher = watch([...paths], { ignoreInitial: true, depth: 0, persistent: true, ignored: (p: string) => !paths.has(p) });
    watcher.on('all', (_event: string, p: string) => this.seen(p));
    // Raw events also carry changes chokidar does not report (a directory's own mode).
    watcher.on('raw', (_event: unknown, name: string | null, details: unknown) => {
      const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (!dir || !name) return;
      if (path.basename(dir) === name) this.seen(dir);
      this.seen(path.join(dir, name));
    });
    watcher.on('error', (error: unknown) => this.log.warn({ err: messageOf(error) }, 'drift watch error'));
    this.watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.log.debug({ paths: paths.size }, 'watching managed paths');
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
    await this.watcher?.close();
    this.watcher = null;
  }

  private seen(p: string): void {
    if (!this.targets.has(p)) return;
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
    this.pending.add(p);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const ids = [...new Set([...this.pending].map((x) => this.targets.get(x)!).filter(Boolean))];
      this.pending.clear();
      if (ids.length) this.onDrift(ids);
    }, DEBOUNCE_MS);
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
