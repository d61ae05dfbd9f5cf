// A real backend wrapped so that its Nth mutating call (write, truncate, sync, rename; with
// `countOpens`, also open and remove) throws: the way tests prove that a write path failed at any step
// leaves either the old state or the new one. With `afterCall`, the failing call is made first and
// then throws, as a call whose outcome the caller cannot know (a rename that happened, a write that
// landed) does.
import { MemvecError } from '../../src/errors.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from '../../src/storage/types.js';

export class FailingBackend implements StorageBackend {
  readonly name;
  /** Mutating calls seen so far; the call numbered `failAt` (1-based) throws. */
  calls = 0;
  failAt = Infinity;
  /** open and remove count (and fail) too: for write paths that create, replace and reopen files. */
  countOpens = false;
  /** The failing call is made, then throws (else it throws before anything happens). */
  afterCall = false;

  constructor(readonly inner: StorageBackend) {
    this.name = inner.name;
  }

  /** Runs `call` as the next mutating call: it fails if its number is failAt. */
  private step<T>(what: string, call: () => T): T {
    this.calls++;
    if (this.calls !== this.failAt) return call();
    const failure = new MemvecError('IO', `injected failure at ${what} (call ${this.calls})`);
    if (!this.afterCall) throw failure;
    call();
    throw failure;
  }

  /** step for the backend's async calls: an `afterCall` failure comes once the call has finished. */
  private async stepAsync<T>(what: string, call: () => Promise<T>, undo?: (result: T) => void): Promise<T> {
    this.calls++;
    if (this.calls !== this.failAt) return call();
    const failure = new MemvecError('IO', `injected failure at ${what} (call ${this.calls})`);
    if (!this.afterCall) throw failure;
    // Not `undo?.(await call())`: an optional call skips evaluating its arguments when undo is absent.
    const result = await call();
    undo?.(result);
    throw failure;
  }

  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    // An open that fails after opening must not keep the file (and its lock): it is closed again.
    const file = this.countOpens
      ? await this.stepAsync('open', () => this.inner.open(path, options), (opened) => opened.close())
      : await this.inner.open(path, options);
    const step = <T>(what: string, call: () => T): T => this.step(what, call);
    return {
      backend: file.backend,
      size: () => file.size(),
      read: (offset, into) => file.read(offset, into),
      write: (offset, data) => step('write', () => file.write(offset, data)),
      truncate: (size) => step('truncate', () => file.truncate(size)),
      sync: () => step('sync', () => file.sync()),
      close: () => file.close(),
    };
  }

  lock(path: string): Promise<WriterLock> {
    return this.inner.lock(path);
  }

  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }

  async remove(path: string): Promise<void> {
    if (this.countOpens) return this.stepAsync('remove', () => this.inner.remove(path));
    return this.inner.remove(path);
  }

  async rename(from: string, to: string): Promise<void> {
    return this.stepAsync('rename', () => this.inner.rename(from, to));
  }
}
