// What converge created, per host, in the state directory. Prune works from
// this inventory, never by scanning the machine. Changes during a run go to an
// append-only journal first, so a crash mid-run loses nothing; the snapshot is
// rewritten atomically at the end.
import { readFile, rm } from 'node:fs/promises';
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Spec } from '../resources/types.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { ConvergeError, describeError, errnoOf } from '../platform/errors.js';

export interface InventoryEntry {
  type: string;
  /** The spec as last converged (large fields dropped), enough to remove it. */
  spec: Spec;
  /** True when converge created it; false when it existed before and was adopted. */
  created: boolean;
  /** Hash of the manifest spec last converged: unchanged hash + out of sync = drift. */
  specHash: string;
  since: string;
  /** The provider's seal of what was last found in sync with this specHash (see Provider.seal). */
  seal?: string;
}

type JournalLine = { id: string; entry: InventoryEntry | null };

/**
 * The last snapshot this process read or wrote, per file, with the identity of
 * the file it came from: a long-lived agent does not parse its whole inventory
 * again for every drift heal. Any write replaces the file (a new inode), so a
 * changed identity means another process wrote it.
 */
const snapshots = new Map<string, { identity: string; entries: Map<string, InventoryEntry> }>();

/** The inventory of one host, with a journal for changes not yet in the snapshot. */
export class Inventory {
  private journal: number | null = null;
  /** Journal lines not yet written: only a line written before an effect must be in the file at once (set's `urgent`). */
  private unwritten: string[] = [];
  private dirty = false;

  private constructor(
    private readonly file: string,
    readonly entries: Map<string, InventoryEntry>,
  ) {}

  /** Load the snapshot and replay any journal a crashed run left. */
  static async load(stateDir: string, host: string): Promise<Inventory> {
    const file = path.join(stateDir, 'inventory', `${host}.json`);
    let entries = new Map<string, InventoryEntry>();
    const known = snapshots.get(file);
    const before = identityOf(file);
    if (known && before !== null && known.identity === before) {
      entries = new Map(known.entries);
    } else {
      snapshots.delete(file);
      try {
        const snapshot = JSON.parse(await readFile(file, 'utf8')) as { resources?: Record<string, InventoryEntry> };
        for (const [id, e] of Object.entries(snapshot.resources ?? {})) entries.set(id, e);
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw new ConvergeError('io', `cannot read the inventory ${file}: ${describeError(error)}`, { cause: error });
      }
      // Kept only if the file read is still the one whose identity was taken.
      if (before !== null && identityOf(file) === before) snapshots.set(file, { identity: before, entries: new Map(entries) });
    }
    const inventory = new Inventory(file, entries);
    try {
      for (const line of (await readFile(`${file}.journal`, 'utf8')).split('\n')) {
        if (!line) continue;
        try {
          const { id, entry } = JSON.parse(line) as JournalLine;
          if (entry) entries.set(id, entry);
          else entries.delete(id);
          inventory.dirty = true;
        } catch {
          // a line torn by a crash: everything before it was applied
        }
      }
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    return inventory;
  }

  get(id: string): InventoryEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * Record (or with null, forget) a resource. `urgent`: the line is in the journal
   * file when this returns, with any before it (the engine's "created" written
   * before it creates: a kill right after must not lose it). Other lines wait for
   * the next urgent one or for save(): a kill that loses one costs nothing (a
   * "pending" entry is settled by the next run; a removal is redone), and a run
   * that creates 1,000 files makes 1,000 writes instead of 2,000.
   */
  async set(id: string, entry: InventoryEntry | null, options: { urgent?: boolean } = {}): Promise<void> {
    const before = this.entries.get(id);
    if (entry ? before && sameEntry(before, entry) : !before) return;
    if (entry) this.entries.set(id, entry);
    else this.entries.delete(id);
    this.dirty = true;
    this.unwritten.push(JSON.stringify({ id, entry } satisfies JournalLine) + '\n');
    if (options.urgent || this.unwritten.length >= 256) this.writeJournal();
  }

  private writeJournal(): void {
    if (this.unwritten.length === 0) return;
    if (this.journal === null) {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.journal = openSync(`${this.file}.journal`, 'a', 0o600);
    }
    const text = this.unwritten.join('');
    this.unwritten = [];
    writeSync(this.journal, text);
  }

  /** Write the snapshot atomically and drop the journal. */
  async save(): Promise<void> {
    this.writeJournal(); // until the snapshot is renamed into place, the journal is what a crash leaves
    this.closeJournal();
    if (!this.dirty) return;
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    // code-point order: the same file whatever the locale (localeCompare took ~150 ms over 12,000 ids)
    const resources = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    snapshots.delete(this.file);
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, resources }, null, 1) + '\n', { mode: 0o600 });
    const identity = identityOf(this.file);
    if (identity !== null) snapshots.set(this.file, { identity, entries: new Map(this.entries) });
    await rm(`${this.file}.journal`, { force: true });
    this.dirty = false;
  }

  /** Close the journal without writing the snapshot (plan). */
  async close(): Promise<void> {
    this.writeJournal();
    this.closeJournal();
  }

  private closeJournal(): void {
    if (this.journal !== null) closeSync(this.journal);
    this.journal = null;
  }
}

/** Inode, size and change time: what any rewrite of the file changes. */
function identityOf(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

/** Equal entries. The spec kept is derived from the manifest spec its hash is of: equal hashes, equal specs (a no-op run compares 10,000 of these). */
function sameEntry(a: InventoryEntry, b: InventoryEntry): boolean {
  if (a.type !== b.type || a.created !== b.created || a.since !== b.since || a.specHash !== b.specHash || a.seal !== b.seal) return false;
  return a.specHash !== 'pending' || JSON.stringify(a.spec) === JSON.stringify(b.spec);
}
