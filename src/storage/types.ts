/**
 * The whole contract between memvec and where its bytes live: byte ranges of ONE file. A backend
 * never knows about vectors or graphs (duckdb-wasm's runtime boundary is the model). All methods are
 * synchronous because every backend we target has synchronous file access (node:fs, mmap, Deno.FsFile,
 * OPFS sync access handles inside a Worker, memory); only opening may be async.
 *
 * Offsets and sizes are plain numbers: exact up to 2^53 bytes, so files past 4 GiB work.
 *
 * Every failure a backend reports is a MemvecError (IO, LOCKED, CLOSED, ...) that names the caller's
 * path: each backend routes its runtime's errors through one boundary (io-error.ts, guarded-file.ts).
 */
export type BackendName = 'mmap' | 'fs' | 'deno' | 'opfs' | 'memory';

export interface StorageFile {
  readonly backend: BackendName;
  /** Current length of the file in bytes. */
  size(): number;
  /** Copies up to `into.length` bytes from `offset`; returns how many were read (short only at EOF). */
  read(offset: number, into: Uint8Array): number;
  /**
   * An OS file descriptor of this same open file, for positional reads from any thread of the
   * process while the file is open (worker threads reading their share of a scan themselves); absent
   * where the backend has none to give (deno, opfs, memory).
   */
  readonly readFd?: number;
  /** Writes all of `data` at `offset`, growing the file if needed. */
  write(offset: number, data: Uint8Array): void;
  /** Sets the file length; growth is zero-filled. */
  truncate(size: number): void;
  /** Makes every write so far durable (fdatasync / msync / flush) before returning. */
  sync(): void;
  /** Releases the file, and the writer lock it took itself (not one passed in). Idempotent. */
  close(): void;
}

/**
 * The right to write one path: at most one holder at a time, in this process or any other, whatever
 * backend or runtime it uses (the protocol is in lock-file.ts). It belongs to the path, not to an open
 * file, so a writer keeps it across replacing its file (compaction, creation by rename).
 */
export interface WriterLock {
  readonly path: string;
  /** False once released. */
  readonly held: boolean;
  /** Gives the path up. Idempotent. */
  release(): void;
}

/**
 * Opening for writing takes the path's writer lock: a second writer, in this process or another, gets
 * MemvecError LOCKED at once (it never waits). Readers take no lock; the commit protocol keeps what
 * they see whole.
 */
export interface OpenOptions {
  /** Create the file if it does not exist (default false). */
  create?: boolean;
  /** Open for reading only: writes throw, and no lock is taken. */
  readOnly?: boolean;
  /**
   * A writer lock of this path the caller already holds (from `backend.lock`): the file uses it instead
   * of taking its own, and leaves it held when it closes.
   */
  lock?: WriterLock;
}

export interface StorageBackend {
  readonly name: BackendName;
  open(path: string, options?: OpenOptions): Promise<StorageFile>;
  /**
   * Takes the writer lock of `path` without opening it (the file need not exist): LOCKED at once if a
   * writer holds it. Whoever replaces a file by rename (save, create, compact) holds this first, so no
   * writer's file is ever replaced under it.
   */
  lock(path: string): Promise<WriterLock>;
  exists(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
  /**
   * Atomically replaces `to` with `from` (POSIX rename semantics). Used for whole-file rewrites such
   * as compaction and snapshots: a crash leaves either the old file or the new one, never a mix. The
   * caller holds `to`'s writer lock.
   */
  rename(from: string, to: string): Promise<void>;
}
