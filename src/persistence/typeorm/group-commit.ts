/** Limits of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** The most items one write takes; more wait for the next write. */
  maxBatch: number;
  /** Writes running at once. Default 1 (SQLite has one connection; a batch forms while a write runs). */
  concurrency?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted while a write is running wait and go to the database together, as one
 * statement and one commit. An idle server writes at once (after the current turn of the event loop,
 * so the requests read in that turn share the write); a busy one writes batches as large as its load,
 * so the database does one statement per batch instead of one per request. Each caller's promise
 * settles with its own item's result once the write that carried it has committed.
 *
 * A failed write of several items is retried item by item, so one bad item (say, a value the
 * database refuses) fails only its own caller, never the others that happened to share its batch;
 * a failed write of one item rejects that caller with the error.
 */
export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  /**
   * @param write writes a batch and returns one result per item, in the same order.
   */
  constructor(
    private readonly write: (items: readonly I[]) => Promise<readonly O[]>,
    options: GroupCommitOptions,
  ) {
    this.maxBatch = Math.max(1, options.maxBatch);
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Queues one item for the next write; settles when that write has. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Writes a batch and resolves its callers; rejects (resolving no one) if the write fails. */
  private async settle(batch: Waiting<I, O>[]): Promise<void> {
    const results = await this.write(batch.map((waiting) => waiting.item));
    if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
    batch.forEach((waiting, index) => waiting.resolve(results[index]));
  }

  private flush(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running++;
      this.settle(batch)
        .catch(async (error: unknown) => {
          if (batch.length === 1) return batch[0].reject(error);
          await Promise.all(batch.map((waiting) => this.settle([waiting]).catch((alone: unknown) => waiting.reject(alone))));
        })
        .finally(() => {
          this.running--;
          this.schedule();
        });
    }
  }
}
