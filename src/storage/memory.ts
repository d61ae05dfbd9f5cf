/**
 * Files held in memory: for edge functions (open a store from bytes fetched from elsewhere) and tests.
 * A MemoryBackend is a tiny in-memory file system: paths map to growable byte buffers. `sync()` is a
 * no-op because there is nothing more durable to reach; export the bytes to keep them.
 */
import { MemvecError } from '../errors.js';
import type { OpenOptions, StorageBackend, StorageFile } from './types.js';

class GrowableBytes {
  bytes = new Uint8Array(0);
  length = 0;
  /** One writer at a time, as on disk. */
  writer = false;

  ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(size, Math.ceil(this.bytes.length * 1.5), 4096));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

class MemoryFile implements StorageFile {
  readonly backend = 'memory' as const;
  private closed = false;

  constructor(
    private readonly data: GrowableBytes,
    private readonly path: string,
    private readonly readOnly: boolean,
  ) {}

  private check(write: boolean): void {
    if (this.closed) throw new MemvecError('CLOSED', `file ${this.path} is closed`);
    if (write && this.readOnly) throw new MemvecError('IO', `file ${this.path} is open read-only`);
  }

  size(): number {
    this.check(false);
    return this.data.length;
  }

  read(offset: number, into: Uint8Array): number {
    this.check(false);
    const n = Math.max(0, Math.min(into.length, this.data.length - offset));
    if (n > 0) into.set(this.data.bytes.subarray(offset, offset + n));
    return n;
  }

  write(offset: number, data: Uint8Array): void {
    this.check(true);
    const end = offset + data.length;
    this.data.ensure(end);
    this.data.bytes.set(data, offset);
    if (end > this.data.length) this.data.length = end;
  }

  truncate(size: number): void {
    this.check(true);
    this.data.ensure(size);
    if (size < this.data.length) this.data.bytes.fill(0, size, this.data.length);
    this.data.length = size;
  }

  sync(): void {
    this.check(false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.readOnly) this.data.writer = false;
  }
}

export class MemoryBackend implements StorageBackend {
  readonly name = 'memory' as const;
  private readonly files = new Map<string, GrowableBytes>();

  /** A backend holding one file at `path` with a copy of `bytes` (e.g. a store fetched over HTTP). */
  static fromBytes(path: string, bytes: ArrayBuffer | Uint8Array): MemoryBackend {
    const backend = new MemoryBackend();
    backend.putBytes(path, bytes);
    return backend;
  }

  putBytes(path: string, bytes: ArrayBuffer | Uint8Array): void {
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

  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    let data = this.files.get(path);
    if (!data) {
      if (!options.create || options.readOnly) throw new MemvecError('IO', `could not open ${path}: no such file`);
      data = new GrowableBytes();
      this.files.set(path, data);
    }
    const readOnly = options.readOnly ?? false;
    if (!readOnly) {
      if (data.writer) throw new MemvecError('LOCKED', `${path} is already open for writing`);
      data.writer = true;
    }
    return new MemoryFile(data, path, readOnly);
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async remove(path: string): Promise<void> {
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
