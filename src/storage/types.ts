/**
 * The whole contract between memvec and where its bytes live: byte ranges of ONE file. A backend
 * never knows about vectors or graphs (duckdb-wasm's runtime boundary is the model). All methods are
 * synchronous because every backend we target has synchronous file access (node:fs, mmap, Deno.FsFile,
 * OPFS sync access handles inside a Worker, memory); only opening may be async.
 *
 * Offsets and sizes are plain numbers: exact up to 2^53 bytes, so files past 4 GiB work.
 */
export type BackendName = 'mmap' | 'fs' | 'bun' | 'deno' | 'opfs' | 'memory';

export interface StorageFile {
  readonly backend: BackendName;
  /** Current length of the file in bytes. */
  size(): number;
  /** Copies up to `into.length` bytes from `offset`; returns how many were read (short only at EOF). */
  read(offset: number, into: Uint8Array): number;
  /** Writes all of `data` at `offset`, growing the file if needed. */
  write(offset: number, data: Uint8Array): void;
  /** Sets the file length; growth is zero-filled. */
  truncate(size: number): void;
  /** Makes every write so far durable (fdatasync / msync / flush) before returning. */
  sync(): void;
  /** Releases the file and its lock. Idempotent. */
  close(): void;
}

/**
 * Opening for writing takes an exclusive lock on the file: a second writer, in this process or
 * another, gets MemvecError LOCKED at once (it never waits). Readers take no lock; the commit
 * protocol keeps what they see whole.
 */
export interface OpenOptions {
  /** Create the file if it does not exist (default false). */
  create?: boolean;
  /** Open for reading only: writes throw, and no lock is taken. */
  readOnly?: boolean;
}

export interface StorageBackend {
  readonly name: BackendName;
  open(path: string, options?: OpenOptions): Promise<StorageFile>;
  exists(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
  /**
   * Atomically replaces `to` with `from` (POSIX rename semantics). Used for whole-file rewrites such
   * as compaction and snapshots: a crash leaves either the old file or the new one, never a mix.
   */
  rename(from: string, to: string): Promise<void>;
}
