// Many resources converged side by side: a file waits for its temp file to be
// on disk, and the temp files of many are made durable together (one syncfs
// for a batch on Linux, fsyncs waiting together elsewhere). While the window
// waits for what is in flight it says so (`hooks`), the engine's cue to sync
// what waits. A resource starts only when everything it follows has
// finished; one whose type is not marked concurrent starts alone. Results are
// recorded in the order the resources were started, so the report reads as a
// sequential run.

/** What the window tells while it waits for work in flight (DurableWrites: sync what that work waits on). */
export interface WaitHooks {
  waiting(): void;
  resumed(): void;
}

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
    /** Told when the window starts and stops waiting for work in flight: what that work waits on (a batch of syncs) must then start. */
    private readonly hooks: WaitHooks = { waiting() {}, resumed() {} },
  ) {}

  /** Wait until `after` (ids) have finished and a slot is free; `alone`: until nothing else runs. */
  async room(after: Iterable<string>, alone: boolean): Promise<void> {
    if (alone) return this.drain();
    for (const id of after) {
      const running = this.running.get(id);
      if (running) await this.wait(running);
    }
    while (this.running.size >= this.width) await this.wait(Promise.race(this.running.values()));
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
    while (this.running.size > 0) await this.wait(Promise.all(this.running.values()));
    this.flush();
  }

  private async wait(work: Promise<unknown>): Promise<void> {
    this.hooks.waiting();
    try {
      await work;
    } finally {
      this.hooks.resumed();
    }
  }

  private flush(): void {
    while (this.order.length > 0 && this.order[0]!.done) this.record(this.order.shift()!.value as R);
  }
}
