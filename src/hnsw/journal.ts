/**
 * What an index calls on each write of a persistent index: its Journal. The writer's is IndexFile
 * (index-file.ts), which commits each write to the file; a reader's is IndexReader (index-reader.ts),
 * which refuses writes and implements refresh(). An index in memory (create, load) has none. In a
 * module of its own so that the index core (index-core.ts) holds one without importing either.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { LoggedRows } from '../format/hnsw-log-record.js';
import type { StorageBackend } from '../storage/types.js';
import type { Snapshot } from './snapshot-io.js';

export interface Journal {
  readonly path: string;
  /** Where the file lives (changesSince reads it there). */
  readonly backend: StorageBackend;
  /** Throws READ_ONLY or CLOSED before a write changes anything. */
  checkWritable(): void;
  /** Commits the record of rows already linked in an open engine transaction; throws if it did not. */
  logInsert(rows: LoggedRows, batch: boolean): void;
  /** Commits the deletion of these keys (each held by the index, no repeats) as one record. */
  logDelete(keys: readonly string[]): void;
  /** Commits a key's new stored metadata (undefined: none). */
  logUpdateMetadata(key: string, metadata: unknown): void;
  /** After a write is in memory too: checkpoints if the policy says so. */
  committed(startedAt: number): void;
  /** Writes a fresh snapshot and empties the log (if there is a log to fold in). */
  checkpoint(): void;
  /** The level generator's seed the file was created with. */
  readonly seed: number;
  /** Compaction: replaces the file with a new, smaller one holding only `take()` (see IndexFile.rewrite). */
  rewrite(take: () => Snapshot, orderedSlots: number, stillWanted: () => void): Promise<void>;
  /**
   * A writer, after compaction swapped in `engine`, whose `snapshot` the file now holds: its
   * originals are read from the file from now on (Originals.useFile).
   */
  adoptOriginals?(engine: HnswEngine, snapshot: Snapshot): void;
  /** Bytes of the file: now for a writer, at the last open or refresh for a reader. */
  fileBytes(): number;
  /**
   * A reader: loads the commits made since it opened or last refreshed; true if it loaded anything.
   * A writer is the only one committing, so it is always current: false.
   */
  refresh(): Promise<boolean>;
  close(): void;
}
