/**
 * Files held in memory: for edge functions (open a store from bytes fetched from elsewhere) and tests.
 * A MemoryBackend is a tiny in-memory file system: paths map to growable byte buffers. `sync()` is a
 * no-op because there is nothing more durable to reach; export the bytes to keep them.
 */
import { MemvecError } from '../errors.js';
import { GuardedFile, withWriterLock } from './guarded-file.js';
import { heldOnce } from './writer-lock.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from './types.js';

class GrowableBytes {
  bytes = new Uint8Array(0);
  length = 0;

  ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(size, Math.ceil(this.bytes.length * 1.5), 4096));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

class MemoryFile extends GuardedFile {
  readonly backend = 'memory' as const;

  constructor(
    private readonly data: GrowableBytes,
    path: string,
    readOnly: boolean,
    ownLock: WriterLock | null,
  ) {
    super(path, readOnly, ownLock);
  }

  protected rawSize(): number {
    return this.data.length;
  }

  protected rawRead(offset: number, into: Uint8Array): number {
    const n = Math.max(0, Math.min(into.length, this.data.length - offset));
    if (n > 0) into.set(this.data.bytes.subarray(offset, offset + n));
    return n;
  }

  protected rawWrite(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    this.data.ensure(end);
    this.data.bytes.set(data, offset);
    if (end > this.data.length) this.data.length = end;
  }

  protected rawTruncate(size: number): void {
    this.data.ensure(size);
    if (size < this.data.length) this.data.bytes.fill(0, size, this.data.length);
    this.data.length = size;
  }

  protected rawSync(): void {}

  protected rawClose(): void {}
}

export class MemoryBackend implements StorageBackend {
  readonly name = 'memory' as const;
  private readonly files = new Map<string, GrowableBytes>();
  /** Paths with a writer, as on disk: the lock belongs to the path, so it survives a rename over it. */
  private readonly locked = new Set<string>();

  /** A backend holding one file at `path` with a copy of `bytes` (e.g. a store fetched over HTTP). */
  static fromBytes(path: string, bytes: ArrayBuffer | Uint8Array): MemoryBackend {
    const backend = new MemoryBackend();
    backend.putBytes(path, bytes);
    return backend;
  }

  putBytes(path: string, bytes: ArrayBuffer | Uint8Array): void {
    this.checkUnlocked(path);
    const src = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const data = new GrowableBytes();
    data.ensure(src.length);
    data.bytes.set(src);
    data.length = src.length;
    this.files.set(path, data);
  }

  /** A copy of the file's current bytes, to ship elsewhere or to save. */
  getBytes(path: string): Uint8Array {
    const data = this.files.get(path);
    if (!data) throw new MemvecError('IO', `no file ${path} in this memory backend`);
    return data.bytes.slice(0, data.length);
  }

  open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    return withWriterLock(path, options, (p) => this.lock(p), (ownLock, name, { readOnly, create }) => {
      let data = this.files.get(path);
      if (!data) {
        if (!create) throw new MemvecError('IO', `could not open ${name}: no such file`);
        data = new GrowableBytes();
        this.files.set(path, data);
      }
      return new MemoryFile(data, name, readOnly, ownLock);
    });
  }

  async lock(path: string): Promise<WriterLock> {
    this.checkUnlocked(path);
    this.locked.add(path);
    return heldOnce(path, () => this.locked.delete(path));
  }

  /** Replacing or removing a path a writer holds would cut the writer off from its file, as on disk. */
  private checkUnlocked(path: string): void {
    if (this.locked.has(path)) throw new MemvecError('LOCKED', `${path} is open for writing`);
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async remove(path: string): Promise<void> {
    this.checkUnlocked(path);
    this.files.delete(path);
  }

  async rename(from: string, to: string): Promise<void> {
    const data = this.files.get(from);
    if (!data) throw new MemvecError('IO', `could not rename ${from}: no such file`);
    this.files.set(to, data);
    this.files.delete(from);
  }
}

/** The backend behind the name 'memory'. */
export const sharedMemoryBackend = new MemoryBackend();
