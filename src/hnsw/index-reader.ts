/**
 * The read side of a persistent HnswIndex (HnswIndex.open with { readOnly: true }): its Journal, which
 * refuses every write (READ_ONLY) and implements refresh(). A reader holds no file open and no lock;
 * refresh() opens the path, reads the newest header, and:
 * - nothing new (same snapshot, log applied to its end): false, having read only the header;
 * - same snapshot, longer log: reads and checks the new records, then replays only those;
 * - anything else (a checkpoint wrote a new snapshot, or the path now holds another file, as after a
 *   compaction renamed one over it): loads the whole committed state into a fresh engine and swaps it
 *   in, so a failure leaves the index as it was.
 * A writer may commit while the reader reads: a read that fails as CORRUPT_FILE while the header moved
 * on is retried with the new header (open-file.ts readCommitted), so a half commit is never applied.
 */
import { isMemvecError, MemvecError } from '../errors.js';
import type { IndexHeader } from '../format/hnsw-file-header.js';
import type { StorageBackend, StorageFile } from '../storage/types.js';
import type { IndexCore } from './index-core.js';
import type { Journal } from './journal.js';
import { cursorAt, type LogCursor } from './log-cursor.js';
import { applyLog, type LoggedOp, type LogPosition, readLog } from './log-replay.js';

/** What a reader needs from open-file.ts (which imports this file). */
export interface ReaderDeps {
  backend: StorageBackend;
  /** The whole committed state of `header` in `file`, as a fresh core. */
  load(file: StorageFile, header: IndexHeader): Promise<IndexCore>;
  /** Opens the path, reads its newest header and runs `run`, retrying as the module comment says. */
  retry<T>(run: (file: StorageFile, header: IndexHeader) => Promise<T>): Promise<T>;
}

const sameSnapshot = (a: IndexHeader, b: IndexHeader): boolean =>
  a.snapshotOffset === b.snapshotOffset && a.snapshotLength === b.snapshotLength && a.snapshotCrc === b.snapshotCrc
  && a.logOffset === b.logOffset;

export class IndexReader implements Journal {
  /** The header whose snapshot the index holds, and how far into its log it has replayed. */
  private position: LogPosition;
  private closed = false;
  private pending: Promise<boolean> | null = null;

  constructor(
    readonly path: string,
    private header: IndexHeader,
    private bytes: number,
    private readonly core: IndexCore,
    private readonly deps: ReaderDeps,
  ) {
    this.position = { length: header.logLength, records: header.logRecords, crc: header.logCrc };
  }

  checkWritable(): void {
    if (this.closed) throw new MemvecError('CLOSED', `the index at ${this.path} is closed`);
    throw new MemvecError('READ_ONLY', `the index at ${this.path} was opened read-only`);
  }

  logInsert(): void {
    this.checkWritable();
  }

  logDelete(): void {
    this.checkWritable();
  }

  logUpdateMetadata(): void {
    this.checkWritable();
  }

  committed(): void {}

  checkpoint(): void {
    this.checkWritable();
  }

  async rewrite(): Promise<void> {
    this.checkWritable();
  }

  get backend(): StorageBackend {
    return this.deps.backend;
  }

  /** Where the index's state is in the file's history: changesSince continues from here. */
  cursor(): LogCursor {
    return cursorAt(this.header, this.position);
  }

  /** The seed the file was created with (compact() needs it; a reader refuses compact anyway). */
  get seed(): number {
    return this.header.seed;
  }

  fileBytes(): number {
    return this.bytes;
  }

  /** Concurrent calls share one refresh. */
  refresh(): Promise<boolean> {
    if (this.closed) return Promise.reject(new MemvecError('CLOSED', `the index at ${this.path} is closed`));
    this.pending ??= this.refreshNow().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private refreshNow(): Promise<boolean> {
    return this.deps.retry(async (file, header) => {
      const size = file.size();
      const p = this.position;
      if (sameSnapshot(header, this.header) && header.logLength === p.length && header.logCrc === p.crc && header.logRecords === p.records) {
        this.bytes = size;
        return false;
      }
      const ops = sameSnapshot(header, this.header) && header.logLength > p.length ? this.newRecords(file, header) : null;
      if (ops !== null) {
        await this.core.replaying(() => applyLog(this.core, ops, this.path, {
          yields: false,
          applied: (after) => {
            this.position = after;
          },
        }));
        this.header = header;
      } else {
        const fresh = await this.deps.load(file, header);
        if (this.closed) {
          fresh.close();
          throw new MemvecError('CLOSED', `the index at ${this.path} was closed during refresh`);
        }
        this.core.adopt(fresh);
        this.header = header;
        this.position = { length: header.logLength, records: header.logRecords, crc: header.logCrc };
      }
      this.bytes = size;
      return true;
    });
  }

  /**
   * The records past the reader's position, checked; null if they do not continue what it replayed
   * (the path holds another file with the same snapshot): then the whole state is reloaded.
   */
  private newRecords(file: StorageFile, header: IndexHeader): LoggedOp[] | null {
    try {
      return readLog(file, this.path, header, this.position, this.core.config.dimension);
    } catch (err) {
      if (!isMemvecError(err, 'CORRUPT_FILE')) throw err;
      // A writer racing us (the retry sees the header move) or another file's log: a reload settles both.
      return null;
    }
  }

  close(): void {
    this.closed = true;
  }
}
