/**
 * An unbounded queue of row batches that one producer fills and one consumer drains as an
 * async iterable. The producer is an importer that is still reading; the consumer is the
 * writer streaming rows into COPY.
 */
export class RowQueue<T> implements AsyncIterable<T[]> {
  private readonly batches: T[][] = [];
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  push(rows: T[]): void {
    if (rows.length === 0) return;
    this.batches.push(rows);
    this.notify();
  }

  /** Marks the end of the rows; the consumer finishes once it has drained them. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the queue with an error, which the consumer raises. */
  fail(error: unknown): void {
    this.failure = error ?? new Error('the row producer failed');
    this.notify();
  }

  private notify() {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const batch = this.batches.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
