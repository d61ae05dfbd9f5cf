/**
 * HnswIndex.open: creates a persistent index file, or opens one: picks the newest valid header slot,
 * loads the embedded snapshot through the same validating reader as HnswIndex.load, and replays the
 * committed log through the same HnswIndex calls the writer made (so the result is the writer's index,
 * exactly). Every offset and length is checked against the file size before it is used; anything
 * damaged is CORRUPT_FILE, a newer format UNSUPPORTED_VERSION.
 */
import { isMemvecError, MemvecError } from '../errors.js';
import { crc32 } from '../format/crc32.js';
import { checkFileKind } from '../format/file-kind.js';
import {
  chooseIndexHeader, decodeIndexSlot, INDEX_DATA_START, type IndexHeader,
} from '../format/hnsw-file-header.js';
import { readSlots } from '../format/header-slots.js';
import { decodeRecordBody, decodeRecordHeader, type LogOp, MIN_RECORD_BYTES, RECORD_HEADER_BYTES } from '../format/hnsw-log-record.js';
import { type HnswSnapshotHeader, readHeader as readSnapshotHeader } from '../format/hnsw-snapshot.js';
import type { HnswIndex, HnswIndexOptions, HnswMetric } from '../hnsw-index.js';
import { type BackendChoice, resolveBackend } from '../storage/select.js';
import type { BackendName, StorageBackend, StorageFile, WriterLock } from '../storage/types.js';
import { checkInt, checkOptionKeys, describe, optionNames } from '../validate.js';
import { METRIC_IDS, metricName } from './engine-codes.js';
import { IndexFile, type IndexFileHooks, type Journal } from './index-file.js';
import { RangeFile } from './range-file.js';
import { now } from './time.js';
import { checkOptions } from './validate.js';
import { compactTmpPath, writeWholeIndexFile } from './whole-file.js';
import { replaceFile } from '../storage/replace-file.js';

export interface HnswOpenOptions extends Partial<HnswIndexOptions> {
  /** A storage backend or its name; default: the one for this runtime. */
  backend?: BackendChoice;
  /** Open without writing: no lock is taken, and every write throws READ_ONLY. */
  readOnly?: boolean;
  /**
   * Checkpoint (fold the log into a fresh snapshot) whenever the log passes this many bytes, and on no
   * other rule: 0 checkpoints after every write, Infinity only when checkpoint() is called. Default:
   * automatic, so that replaying the log on open never takes much longer than loading the snapshot.
   */
  checkpointLogBytes?: number;
}

type Config = Required<HnswIndexOptions>;

/** What the file needs of HnswIndex internals; built inside the class by HnswIndex.open. */
export interface IndexAccess {
  create(config: Config): Promise<HnswIndex>;
  load(file: StorageFile): Promise<HnswIndex>;
  snapshot(index: HnswIndex): ReturnType<IndexFileHooks['snapshot']>;
  orderedSlots(index: HnswIndex): number;
  setOrderedSlots(index: HnswIndex, slots: number): void;
  attach(index: HnswIndex, journal: Journal, backend: BackendName): void;
  fail(index: HnswIndex, err: unknown): void;
}

const CONFIG_KEYS = ['dimension', 'metric', 'M', 'efConstruction', 'efSearch', 'seed'] as const;
const OPEN_OPTIONS = optionNames<HnswOpenOptions>()([...CONFIG_KEYS, 'backend', 'readOnly', 'checkpointLogBytes']);
/** A reader racing a writer's checkpoint may read a snapshot as it is overwritten: it tries again. */
const READER_ATTEMPTS = 4;

function corrupt(path: string, why: string): MemvecError {
  return new MemvecError('CORRUPT_FILE', `${path}: ${why}`);
}

/** The same error with the path in front (the snapshot reader does not know it). */
function withPath(path: string, err: unknown): unknown {
  return err instanceof MemvecError ? new MemvecError(err.code, `${path}: ${err.message}`, { cause: err }) : err;
}

export async function openIndexFile<M>(path: unknown, options: unknown, access: IndexAccess): Promise<HnswIndex<M>> {
  if (typeof path !== 'string' || path.length === 0) throw new MemvecError('INVALID_ARGUMENT', `path must be a non-empty string, got ${describe(path)}`);
  const opts = checkOptionKeys(options as HnswOpenOptions | undefined, OPEN_OPTIONS, 'HnswIndex.open options');
  const readOnly = opts.readOnly ?? false;
  if (typeof readOnly !== 'boolean') throw new MemvecError('INVALID_ARGUMENT', `readOnly must be a boolean, got ${describe(readOnly)}`);
  const logBytes = opts.checkpointLogBytes;
  if (logBytes !== undefined && logBytes !== Infinity) checkInt(logBytes, 'checkpointLogBytes', 0);
  // The config fields the caller named: checked now (with the same ranges as create), compared with
  // the file's later. Fields left out come from the file.
  const given: Partial<Config> = {};
  for (const key of CONFIG_KEYS) if (opts[key] !== undefined) (given as Record<string, unknown>)[key] = opts[key];
  const config = checkOptions({ ...given, dimension: given.dimension ?? 1 });

  const backend = await resolveBackend(opts.backend);
  // A writer takes the path's lock before anything else, so it never creates or opens a file that
  // another writer holds (LOCKED), and nobody replaces its file while it has it.
  const lock = readOnly ? null : await backend.lock(path);
  try {
    if (!(await backend.exists(path))) {
      // Only a writer (who holds the lock) creates.
      if (lock === null) throw new MemvecError('IO', `could not open ${path}: no such file`);
      if (given.dimension === undefined) throw new MemvecError('INVALID_ARGUMENT', `${path} does not exist, and creating an index needs a dimension`);
      await createIndexFile(backend, lock, config, access);
    }
    for (let attempt = 1; ; attempt++) {
      const file = await backend.open(path, { readOnly, lock: lock ?? undefined });
      let used: IndexHeader | undefined;
      try {
        const { header, slot } = readIndexHeader(file, path);
        used = header;
        // The metadata type is the caller's claim about what the file holds (it cannot be checked).
        return (await openFrom(file, path, header, slot, { readOnly, given, logBytes, access, lock, backend })) as HnswIndex<M>;
      } catch (err) {
        const changed = readOnly && used !== undefined && isMemvecError(err, 'CORRUPT_FILE') && headerMoved(file, path, used);
        file.close();
        if (!changed || attempt >= READER_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** True if the file's newest header is no longer `used`: a writer committed while we read. */
function headerMoved(file: StorageFile, path: string, used: IndexHeader): boolean {
  try {
    return readIndexHeader(file, path).header.sequence !== used.sequence;
  } catch {
    return false;
  }
}

export function readIndexHeader(file: StorageFile, path: string): { header: IndexHeader; slot: number } {
  checkFileKind(file, path, 'index');
  const size = file.size();
  if (size < INDEX_DATA_START) throw corrupt(path, `${size} bytes is too short for a memvec HNSW index file`);
  return chooseIndexHeader(readSlots(file, decodeIndexSlot), path);
}

interface OpenContext {
  backend: StorageBackend;
  readOnly: boolean;
  /** The writer's hold on the path, handed to the IndexFile that releases it on close. */
  lock: WriterLock | null;
  given: Partial<Config>;
  logBytes: number | undefined;
  access: IndexAccess;
}

async function openFrom(file: StorageFile, path: string, header: IndexHeader, slot: number, ctx: OpenContext): Promise<HnswIndex> {
  const { access } = ctx;
  const snapshotFile = new RangeFile(file, header.snapshotOffset, header.snapshotLength);
  let snapshot: HnswSnapshotHeader;
  try {
    snapshot = readSnapshotHeader(snapshotFile);
  } catch (err) {
    throw withPath(path, err);
  }
  checkConfig(path, ctx.given, snapshot, header.seed);
  if (header.orderedSlots > snapshot.slots) throw corrupt(path, 'the header counts more ordered slots than the snapshot holds');

  let started = now();
  const index = await access.load(snapshotFile).catch((err: unknown) => {
    throw withPath(path, err);
  });
  const snapshotMs = now() - started;
  try {
    // The header load() validated the sections against is the one the index header points to: not a
    // newer snapshot a writer put in the same place meanwhile (a reader does not hold the lock).
    if (crc32(snapshotFile.headBytes) !== header.snapshotCrc) throw corrupt(path, 'the snapshot is not the one the header points to');
    access.setOrderedSlots(index, header.orderedSlots);
    started = now();
    await replayLog(file, path, header, index, snapshot.dimension);
    const replayMs = now() - started;
    // A reader has all it will ever read: it keeps no file open (and never held a lock).
    if (ctx.readOnly) file.close();
    const hooks: IndexFileHooks = {
      snapshot: () => access.snapshot(index),
      orderedSlots: () => access.orderedSlots(index),
      fail: (err) => access.fail(index, err),
    };
    if (!ctx.readOnly) {
      // What a compaction killed before its rename left beside the file (this writer holds the lock,
      // so no compaction of this path is running). One that cannot be removed now is removed by the
      // next compaction, which starts by removing it: not a reason to refuse the open.
      await ctx.backend.remove(compactTmpPath(path)).catch(() => undefined);
    }
    const journal = new IndexFile(
      ctx.readOnly ? null : file, ctx.backend, path, header, slot, ctx.readOnly, hooks, ctx.logBytes, { snapshotMs, replayMs }, ctx.lock,
    );
    access.attach(index, journal, ctx.backend.name);
    return index;
  } catch (err) {
    index.close();
    throw err;
  }
}

function checkConfig(path: string, given: Partial<Config>, s: HnswSnapshotHeader, seed: number): void {
  if (given.dimension !== undefined && given.dimension !== s.dimension) {
    throw new MemvecError('DIMENSION_MISMATCH', `${path} holds vectors of dimension ${s.dimension}, not ${given.dimension}`);
  }
  const file: Record<string, number> = { metric: s.metric, M: s.M, efConstruction: s.efConstruction, efSearch: s.efSearch, seed };
  for (const key of ['metric', 'M', 'efConstruction', 'efSearch', 'seed'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    const want = key === 'metric' ? METRIC_IDS[value as HnswMetric] : value;
    if (want !== file[key]) {
      const has = key === 'metric' ? metricName(s.metric) : file[key];
      throw new MemvecError('INVALID_ARGUMENT', `${path} was created with ${key} ${String(has)}, not ${String(value)}`);
    }
  }
}

/**
 * Replays the committed log: each record's length is checked against what is left of the log before
 * anything is allocated, its CRC before it is decoded, and the whole log's CRC and record count at
 * the end. Bytes past the committed length (a torn append) are never read.
 */
async function replayLog(file: StorageFile, path: string, h: IndexHeader, index: HnswIndex, dimension: number): Promise<void> {
  const end = h.logOffset + h.logLength;
  const head = new Uint8Array(RECORD_HEADER_BYTES);
  let pos = h.logOffset;
  let crc = 0;
  let records = 0;
  while (pos < end) {
    if (end - pos < MIN_RECORD_BYTES) throw corrupt(path, 'the log ends inside a record');
    if (file.read(pos, head) !== head.length) throw corrupt(path, 'the file ends inside its log');
    const { bodyLength, crc: bodyCrc } = decodeRecordHeader(head);
    if (bodyLength > end - pos - RECORD_HEADER_BYTES) throw corrupt(path, `log record ${records} runs past the committed log`);
    // A fresh buffer: the body starts 4-byte aligned, as decodeRecordBody needs.
    const body = new Uint8Array(bodyLength);
    if (file.read(pos + RECORD_HEADER_BYTES, body) !== bodyLength) throw corrupt(path, 'the file ends inside its log');
    if (crc32(body) !== bodyCrc) throw corrupt(path, `log record ${records} checksum mismatch`);
    crc = crc32(body, crc32(head, crc));
    let op: LogOp;
    try {
      op = decodeRecordBody(body, dimension);
    } catch (err) {
      throw new MemvecError('CORRUPT_FILE', `${path}: log record ${records}: ${(err as Error).message}`, { cause: err });
    }
    await apply(index, op, path, records);
    pos += RECORD_HEADER_BYTES + bodyLength;
    records++;
  }
  if (records !== h.logRecords) throw corrupt(path, `the header counts ${h.logRecords} log records, the log holds ${records}`);
  if (crc !== h.logCrc) throw corrupt(path, 'log checksum mismatch');
}

/** Replays one record through the call the writer made. Input the writer would have refused is corruption. */
async function apply(index: HnswIndex, op: LogOp, path: string, n: number): Promise<void> {
  try {
    if (op.type === 'delete') {
      for (const key of op.keys) if (!index.delete(key)) throw corrupt(path, `log record ${n} deletes a key the index does not hold`);
      return;
    }
    const metas = op.metaJson.map((json) => (json === undefined ? undefined : JSON.parse(json) as unknown));
    if (op.type === 'insert') index.insert(op.keys[0]!, op.data, metas[0]);
    else await index.batchInsert(op.data, op.keys, metas);
  } catch (err) {
    const refused = err instanceof SyntaxError || isMemvecError(err, 'INVALID_ARGUMENT') || isMemvecError(err, 'INVALID_VECTOR') || isMemvecError(err, 'DIMENSION_MISMATCH');
    if (!refused) throw err;
    throw new MemvecError('CORRUPT_FILE', `${path}: log record ${n} cannot be replayed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Creates an empty index at the path of `lock` (which the caller holds, so no other writer creates it
 * at the same time), written beside it and renamed into place, so the path never holds a half-made file.
 */
async function createIndexFile(backend: StorageBackend, lock: WriterLock, config: Config, access: IndexAccess): Promise<void> {
  const index = await access.create(config);
  try {
    const snap = access.snapshot(index);
    await replaceFile(backend, lock, 'create.tmp', (tmp) => {
      writeWholeIndexFile(tmp, snap, { sequence: 1, orderedSlots: 0, seed: config.seed });
    });
  } finally {
    index.close();
  }
}
