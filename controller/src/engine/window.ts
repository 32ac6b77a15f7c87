// A few resources converged side by side: a file's fsync waits on the disk, and
// several waiting together cost about one (the journal commits them at once).
// A resource starts only when everything it follows has finished; one whose
// type is not marked concurrent starts alone. Results are recorded in the
// order the resources were started, so the report reads as a sequential run.

/** How many resources may be in flight at once. */
export const WINDOW_WIDTH = 8;

interface Slot<R> {
  done: boolean;
  value?: R;
}

export class ApplyWindow<R> {
  private readonly running = new Map<string, Promise<void>>();
  private readonly order: Slot<R>[] = [];

  constructor(
    private readonly width: number,
    private readonly record: (result: R) => void,
  ) {}

  /** Wait until `after` (ids) have finished and a slot is free; `alone`: until nothing else runs. */
  async room(after: Iterable<string>, alone: boolean): Promise<void> {
    if (alone) return this.drain();
    for (const id of after) await this.running.get(id);
    while (this.running.size >= this.width) await Promise.race(this.running.values());
  }

  /** Start `work` for `id`; its result is recorded once those started before it are. */
  start(id: string, work: () => Promise<R>): void {
    const slot: Slot<R> = { done: false };
    this.order.push(slot);
    const running = work().then((value) => {
      slot.value = value;
      slot.done = true;
      this.running.delete(id);
      this.flush();
    });
    this.running.set(id, running);
  }

  /** A result known at once (skipped, interrupted), in its place in the order. */
  now(result: R): void {
    this.order.push({ done: true, value: result });
    this.flush();
  }

  /** Wait for everything in flight and record it. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
    this.flush();
  }

  private flush(): void {
    while (this.order.length > 0 && this.order[0]!.done) this.record(this.order.shift()!.value as R);
  }
}
