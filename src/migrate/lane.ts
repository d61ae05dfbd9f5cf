/**
 * A FIFO of async tasks: each starts when the previous one settled. It orders writes to a store that
 * refuses overlapping ones (an HnswIndex answers LOCKED to a write while a batchInsert runs).
 * A failed task does not stop the next.
 */
export class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
