/**
 * The write side of a persistent HnswIndex (a reader's side is index-reader.ts): its file, the committed header, and the commit protocol
 * (layout and protocol: src/format/hnsw-file-header.ts). The index's writes (writes.ts, batch.ts,
 * compact.ts) call it as their core's Journal (journal.ts):
 *
 * - insert / batchInsert: the rows are linked into the graph inside an engine transaction, then
 *   logInsert commits their record to the file, and only then is the transaction committed in memory.
 *   If the record does not commit, the transaction is rolled back, so memory never runs ahead of the
 *   file and a failed call leaves the index as it was.
 * - delete, deleteMany, updateMetadata: the record is committed first (one record for a whole
 *   deleteMany), then the change is made in memory, where it cannot fail.
 * - committed(): after each write, checkpoints when the log has grown enough (policy below).
 * - compact: rewrite() replaces the whole file with a smaller one, by rename (see there).
 *
 * A failure before the header write leaves the committed state untouched (the bytes written past the
 * log's end are free space). A failure from the header write on leaves the outcome unknown (old or
 * new state, never a mix), so the index closes itself, as MemMapVector.commit does.
 */
import { MemvecError } from '../errors.js';
import { crc32 } from '../format/crc32.js';
import { internalFault } from '../format/file-errors.js';
import {
  chooseIndexHeader, decodeIndexSlot, encodeIndexHeader, INDEX_DATA_START, type IndexHeader, SNAPSHOT_ALIGN,
} from '../format/hnsw-file-header.js';
import { CommittedFile } from '../format/committed-file.js';
import { readSlots } from '../format/header-slots.js';
import {
  encodeDeleteRecord, encodeInsertRecord, encodeUpdateMetaRecord, type LoggedRows,
} from '../format/hnsw-log-record.js';
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { StorageBackend, StorageFile, WriterLock } from '../storage/types.js';
import type { IndexCore } from './index-core.js';
import type { Journal } from './journal.js';
import { RangeFile } from './range-file.js';
import type { Snapshot } from './snapshot-io.js';
import { now } from './time.js';
import { COMPACT_SUFFIX, writeWholeIndexFile } from './whole-file.js';

export interface CheckpointCosts {
  /** Time to write (or, right after open, to load) the committed snapshot. */
  snapshotMs: number;
  /** Time to replay the committed log (at open: measured; later: the engine time of logged writes). */
  replayMs: number;
}

/**
 * The automatic checkpoint policy. Opening costs loading the snapshot plus replaying the log, and a
 * replayed insert costs a graph search (around a hundred times the bytes' load time), so the log is
 * bounded by replay TIME, not only by bytes: a checkpoint happens once replaying the log would take
 * longer than writing the snapshot did (at least MIN_REPLAY_MS, so a small index is not rewritten on
 * every commit). That keeps open time within about load + one snapshot write, and bounds the
 * checkpoint overhead of a stream of writes to about as much again as the writes' own engine time;
 * each write's two syncs usually cost more than either. Bytes are bounded too (MIN_LOG_BYTES or the
 * snapshot's size, whichever is larger), so cheap-to-replay deletes cannot grow the file forever. Only
 * the timing of checkpoints depends on the clock; the index's contents never do.
 */
const MIN_REPLAY_MS = 50;
const MIN_LOG_BYTES = 4 << 20;
/** Room left at the front for the next snapshot, as a multiple of this one (see checkpointNow). */
const FRONT_SLACK = 1.25;

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** What an open writer's file is made of, as open-file.ts found it. */
export interface IndexFileParts {
  file: StorageFile;
  backend: StorageBackend;
  path: string;
  /** The committed header, and which slot holds it. */
  header: IndexHeader;
  slot: number;
  /**
   * The index this file is the journal of: checkpoints snapshot it, and a failed header write (outcome
   * unknown) closes it (IndexCore.fail).
   */
  core: IndexCore;
  checkpointLogBytes: number | undefined;
  costs: CheckpointCosts;
  lock: WriterLock;
}

export class IndexFile implements Journal {
  /** The file, its committed header and the writer lock (format/committed-file.ts). */
  private readonly disk: CommittedFile<IndexHeader>;
  private snapshotMs: number;
  private replayMs: number;
  /** Commit time inside the current write, which replay will not pay. */
  private ioMs = 0;
  /** After an automatic checkpoint failed: no retry until the log is this long (not on every write). */
  private retryAtLogBytes = 0;

  /** Where the file lives (changesSince reads it there). */
  readonly backend: StorageBackend;
  readonly path: string;
  private readonly core: IndexCore;
  /** Explicit: checkpoint whenever the log passes this many bytes, and on no other rule. */
  private readonly checkpointLogBytes: number | undefined;

  constructor(parts: IndexFileParts) {
    const { backend, path, file, header, slot, lock, core } = parts;
    this.backend = backend;
    this.disk = new CommittedFile({
      backend, path, file, header, slot, lock, noun: 'index', encode: encodeIndexHeader, onFailed: (err) => core.fail(err),
    });
    this.path = path;
    this.core = core;
    this.checkpointLogBytes = parts.checkpointLogBytes;
    this.snapshotMs = parts.costs.snapshotMs;
    this.replayMs = parts.costs.replayMs;
  }

  /** The newest committed header. */
  private get header(): IndexHeader {
    return this.disk.header;
  }

  checkWritable(): void {
    this.writableFile();
  }

  get seed(): number {
    return this.header.seed;
  }

  private writableFile(): StorageFile {
    return this.disk.writable();
  }

  // ---------------------------------------------------------------- the commit protocol

  /** Makes what was written durable, then `next` the newest header (CommittedFile.commit). */
  private commit(file: StorageFile, next: IndexHeader): void {
    this.disk.commit(file, next);
  }

  /** Appends one record past the committed end of the log and commits it. */
  private append(record: Uint8Array): void {
    const file = this.writableFile();
    const h = this.header;
    const started = now();
    file.write(h.logOffset + h.logLength, record);
    this.commit(file, {
      ...h,
      sequence: h.sequence + 1,
      logLength: h.logLength + record.length,
      logRecords: h.logRecords + 1,
      logCrc: crc32(record, h.logCrc),
    });
    this.ioMs += now() - started;
  }

  logInsert(rows: LoggedRows, batch: boolean): void {
    this.append(encodeInsertRecord(rows, batch));
  }

  logDelete(keys: readonly string[]): void {
    this.append(encodeDeleteRecord(keys));
  }

  logUpdateMetadata(key: string, metadata: unknown): void {
    this.append(encodeUpdateMetaRecord(key, metadata));
  }

  fileBytes(): number {
    return this.disk.current().size();
  }

  async refresh(): Promise<boolean> {
    this.writableFile();
    return false;
  }

  // ---------------------------------------------------------------- checkpoints

  committed(startedAt: number): void {
    this.replayMs += Math.max(0, now() - startedAt - this.ioMs);
    this.ioMs = 0;
    if (!this.disk.isOpen || !this.due()) return;
    try {
      this.checkpointNow();
    } catch {
      // The write that got here is committed whatever happened. If the checkpoint's header write
      // failed, the index has closed itself (the next call says why); before it, nothing changed and
      // the log is still good, so the checkpoint is retried once the log has doubled.
      this.retryAtLogBytes = 2 * this.header.logLength;
    }
  }

  private due(): boolean {
    const h = this.header;
    if (h.logLength === 0 || h.logLength < this.retryAtLogBytes) return false;
    if (this.checkpointLogBytes !== undefined) return h.logLength > this.checkpointLogBytes;
    return h.logLength > Math.max(MIN_LOG_BYTES, h.snapshotLength) || this.replayMs > Math.max(MIN_REPLAY_MS, this.snapshotMs);
  }

  checkpoint(): void {
    this.writableFile();
    if (this.header.logLength > 0) this.checkpointNow();
  }

  /**
   * Writes the index as a fresh snapshot where no committed byte lies, then commits a header pointing
   * to it with an empty log. The place: the front of the file, [8192, committed snapshot), when the
   * snapshot fits there (space an earlier snapshot and log left behind), else past the log's end, and
   * then at least a quarter of a snapshot further out than the front needs, so that the next snapshot
   * (the index has grown since) fits the front again. Snapshots so alternate between the front and
   * the back, and the file stays within about 2.25 snapshots and a log. Without the slack, the next
   * snapshot would often miss the front by the growth in between and go to the back once more: three
   * snapshots. A checkpoint never shrinks the file: a reader in another process maps it, and a mapped
   * page past a new end raises SIGBUS there (native/src/mapped_file.rs relies on writers only growing
   * files). compact() shrinks it by renaming a new file over the path instead (rewrite).
   */
  private checkpointNow(): void {
    const file = this.writableFile();
    const h = this.header;
    const snap = this.core.snapshot();
    const front = INDEX_DATA_START + snap.length <= h.snapshotOffset;
    const at = front
      ? INDEX_DATA_START
      : alignUp(Math.max(h.logOffset + h.logLength, INDEX_DATA_START + snap.length * FRONT_SLACK), SNAPSHOT_ALIGN);
    const started = now();
    const range = new RangeFile(file, at, snap.length);
    const end = snap.write(range);
    if (end !== snap.length) throw internalFault(`the snapshot took ${end} bytes, ${snap.length} were planned`);
    this.commit(file, {
      ...h,
      sequence: h.sequence + 1,
      snapshotOffset: at,
      snapshotLength: snap.length,
      logOffset: at + snap.length,
      logLength: 0,
      logRecords: 0,
      logCrc: 0,
      orderedSlots: this.core.slots.orderedSlots,
      snapshotCrc: crc32(range.headBytes),
    });
    // The old snapshot's bytes are free space from here on: the originals move to the new one.
    const engine = this.core.engine;
    if (engine !== null) this.adoptOriginals(engine, snap);
    this.snapshotMs = now() - started;
    this.replayMs = 0;
    this.retryAtLogBytes = 0;
  }

  // ---------------------------------------------------------------- compaction

  /**
   * Replaces the file with a new one that holds only the snapshot `take()` (the compacted index) and
   * an empty log, so the file shrinks; checkpoints never shrink a file (checkpointNow says why), this
   * is the one write that does, by renaming a new file over the path instead of truncating this one
   * (CommittedFile.replace, through the one atomic replace, storage/replace-file.ts).
   *
   * 1. The new file is written complete beside the path, synced, and closed. Any failure here, or
   *    `stillWanted` throwing (abort, index closed), removes it: nothing changed.
   * 2. The rename puts it over the path: the commit point. A crash before it leaves the old file (and
   *    a temporary one that the next writer's open removes), after it the new one, both whole. A
   *    rename known not to have happened leaves the index open on its old file. One that may or may
   *    not have happened (the temporary file is gone) closes the index, as a failed header write does.
   * 3. The old handle, kept open (stats() reads its size) until the rename is done, is closed and the
   *    path reopened for writing, with the path's lock (`<path>.lock`) held throughout, so no other
   *    writer gets in between. If the reopen fails, or the file there is not the one written, the
   *    index closes itself; the file is the compacted one.
   *
   * A reader that opened the path before the rename keeps what it loaded: it holds no file after its
   * open returns, and one still loading keeps reading the old inode (POSIX) or its old bytes
   * (memory backend) to the end. A reader that opens after the rename sees the compacted file.
   */
  async rewrite(take: () => Snapshot, orderedSlots: number, stillWanted: () => void): Promise<void> {
    this.writableFile();
    const { path } = this;
    const started = now();
    let written: IndexHeader | undefined;
    await this.disk.replace(COMPACT_SUFFIX, (tmp) => {
      // One commit more than the old file's last, so a reader's sequence never goes back.
      written = writeWholeIndexFile(tmp, take(), { sequence: this.header.sequence + 1, orderedSlots, seed: this.header.seed });
    }, stillWanted, false, (file, outcome) => {
      if (outcome !== 'renamed' || written === undefined) {
        throw new MemvecError('IO', `${path}: whether compaction's rename happened is unknown`);
      }
      const onDisk = chooseIndexHeader(readSlots(file, decodeIndexSlot), path).header;
      if (onDisk.sequence !== written.sequence || onDisk.snapshotCrc !== written.snapshotCrc) {
        throw new MemvecError('IO', `${path} changed between compaction's rename and its reopen`);
      }
      return { header: written, slot: 0 };
    });
    this.snapshotMs = now() - started;
    this.replayMs = 0;
    this.retryAtLogBytes = 0;
  }

  /** Points `engine`'s originals at the committed snapshot, which must be `snap` (a checkpoint's or compaction's). */
  adoptOriginals(engine: HnswEngine, snap: Snapshot): void {
    if (snap.originals === null || engine.originals === null) return;
    const h = this.header;
    const range = new RangeFile(this.disk.current(), h.snapshotOffset, h.snapshotLength);
    engine.originals.useFile(range, snap.originals.offset, snap.originals.slots);
  }

  /** Releases the file and its lock. Every write was already durable: there is nothing to flush. */
  close(): void {
    this.disk.close();
  }
}
