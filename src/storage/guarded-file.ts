/**
 * What every StorageFile repeats, written once (pglite's fs/base.ts and sqlite's sahpool wrapper are the
 * models): the closed and read-only checks, the error boundary that turns any runtime error into a
 * MemvecError naming the file, and releasing the writer lock the file took for itself. A backend's file
 * class supplies only the raw operations.
 */
import { MemvecError } from '../errors.js';
import { ioError } from './io-error.js';
import type { BackendName, OpenOptions, StorageFile, WriterLock } from './types.js';

export abstract class GuardedFile implements StorageFile {
  abstract readonly backend: BackendName;
  private closed = false;

  protected constructor(
    protected readonly path: string,
    protected readonly readOnly: boolean,
    /** The lock this file took when it opened, released on close; null for readers or a lent lock. */
    private readonly ownLock: WriterLock | null,
  ) {}

  protected abstract rawSize(): number;
  protected abstract rawRead(offset: number, into: Uint8Array): number;
  protected abstract rawWrite(offset: number, data: Uint8Array): void;
  protected abstract rawTruncate(size: number): void;
  protected abstract rawSync(): void;
  protected abstract rawClose(): void;

  /** How this backend's errors read; the native addon's have codes of their own (mmap.ts). */
  protected translate(what: string, err: unknown): MemvecError {
    return ioError(what, err);
  }

  private guard<T>(what: string, write: boolean, op: () => T): T {
    if (this.closed) throw new MemvecError('CLOSED', `file ${this.path} is closed`);
    if (write && this.readOnly) throw new MemvecError('IO', `file ${this.path} is open read-only`);
    try {
      return op();
    } catch (err) {
      throw this.translate(`${what} ${this.path}`, err);
    }
  }

  size(): number {
    return this.guard('read the size of', false, () => this.rawSize());
  }

  read(offset: number, into: Uint8Array): number {
    return this.guard('read', false, () => this.rawRead(offset, into));
  }

  write(offset: number, data: Uint8Array): void {
    this.guard('write to', true, () => this.rawWrite(offset, data));
  }

  truncate(size: number): void {
    this.guard('resize', true, () => this.rawTruncate(size));
  }

  sync(): void {
    // A reader has nothing to make durable.
    this.guard('sync', false, () => (this.readOnly ? undefined : this.rawSync()));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.rawClose();
    } catch (err) {
      throw this.translate(`close ${this.path}`, err);
    } finally {
      this.ownLock?.release();
    }
  }
}

/** What an open asks for, spelled out once for every backend: a reader never creates. */
export interface OpenMode {
  readOnly: boolean;
  create: boolean;
}

/**
 * Runs `open` with the writer lock the caller lent, or one taken for the file (released again if the
 * open fails), and the open's mode. Readers take none. `take` is the backend's way to take a lock.
 *
 * A path's lock also covers its siblings `<path>.<anything>`: the temporary files its holder writes
 * beside it and renames over it (create, save, compact). They take no lock of their own, so a crash
 * leaves no lock file behind for them, and their errors name the file the caller asked for, never the
 * temporary one. `open` gets that name (the path itself, for any other file).
 */
export async function withWriterLock<T>(
  path: string,
  options: OpenOptions,
  take: (path: string) => WriterLock | Promise<WriterLock>,
  open: (ownLock: WriterLock | null, name: string, mode: OpenMode) => T | Promise<T>,
): Promise<T> {
  const readOnly = options.readOnly ?? false;
  const mode: OpenMode = { readOnly, create: !readOnly && (options.create ?? false) };
  const lent = options.lock;
  if (readOnly || lent !== undefined) {
    if (lent === undefined) return open(null, path, mode);
    const sibling = path.startsWith(`${lent.path}.`);
    if (lent.path !== path && !sibling) {
      throw new MemvecError('INVALID_ARGUMENT', `the writer lock of ${lent.path} does not cover ${path}`);
    }
    if (!lent.held) throw new MemvecError('CLOSED', `the writer lock of ${lent.path} was released`);
    return open(null, sibling ? `the new copy of ${lent.path}` : path, mode);
  }
  const own = await take(path);
  try {
    return await open(own, path, mode);
  } catch (err) {
    own.release();
    throw err;
  }
}
