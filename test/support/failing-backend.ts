// A real backend wrapped so that its Nth mutating call (write, truncate, sync, rename) throws: the way
// tests prove that a write path failed at any step leaves either the old state or the new one.
import { MemvecError } from '../../src/errors.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from '../../src/storage/types.js';

export class FailingBackend implements StorageBackend {
  readonly name;
  /** Mutating calls seen so far; the call numbered `failAt` (1-based) throws. */
  calls = 0;
  failAt = Infinity;

  constructor(readonly inner: StorageBackend) {
    this.name = inner.name;
  }

  private step(what: string): void {
    this.calls++;
    if (this.calls === this.failAt) throw new MemvecError('IO', `injected failure at ${what} (call ${this.calls})`);
  }

  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    const file = await this.inner.open(path, options);
    const step = (what: string) => this.step(what);
    return {
      backend: file.backend,
      size: () => file.size(),
      read: (offset, into) => file.read(offset, into),
      write(offset, data) {
        step('write');
        file.write(offset, data);
      },
      truncate(size) {
        step('truncate');
        file.truncate(size);
      },
      sync() {
        step('sync');
        file.sync();
      },
      close: () => file.close(),
    };
  }

  lock(path: string): Promise<WriterLock> {
    return this.inner.lock(path);
  }

  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }

  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.step('rename');
    return this.inner.rename(from, to);
  }
}
