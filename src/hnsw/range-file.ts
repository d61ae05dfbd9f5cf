/**
 * A byte range of a larger file, seen as a whole file: how the persistent index embeds a snapshot.
 * The snapshot reader and writer (src/format/hnsw-snapshot.ts) run unchanged on it, so the embedded
 * snapshot is byte for byte what save() writes, validated exactly as load() validates it; there is
 * one snapshot codec, not two.
 *
 * Offset 0 is `base` in the underlying file and size() is the range's length, so the reader's checks
 * of every section against the file size keep a snapshot inside its range. Writing past the range is
 * a bug in the caller (it sized the range from snapshotLength), never silently allowed: it could
 * overwrite committed bytes.
 *
 * It also keeps the bytes last read or written at offset 0: the snapshot's header, which holds every
 * section's CRC, so its own CRC identifies the snapshot (see the header's snapshot CRC field).
 */
import { internalFault } from '../format/file-errors.js';
import type { StorageFile } from '../storage/types.js';

export class RangeFile implements StorageFile {
  readonly backend;

  constructor(
    private readonly inner: StorageFile,
    private readonly base: number,
    private readonly length: number,
  ) {
    this.backend = inner.backend;
  }

  size(): number {
    return this.length;
  }

  private head: Uint8Array = new Uint8Array(0);

  /** The bytes last read or written at offset 0. */
  get headBytes(): Uint8Array {
    return this.head;
  }

  read(offset: number, into: Uint8Array): number {
    const n = Math.max(0, Math.min(into.length, this.length - offset));
    const got = n === 0 ? 0 : this.inner.read(this.base + offset, into.subarray(0, n));
    if (offset === 0) this.head = into.slice(0, got);
    return got;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset < 0 || offset + data.length > this.length) {
      throw internalFault(`a write of ${data.length} bytes at ${offset} leaves a ${this.length}-byte range`);
    }
    this.inner.write(this.base + offset, data);
    if (offset === 0) this.head = data.slice();
  }

  truncate(): void {
    throw internalFault('an embedded range cannot be resized');
  }

  sync(): void {
    this.inner.sync();
  }

  /** The range does not own the file. */
  close(): void {}
}
