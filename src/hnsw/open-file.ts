/**
 * HnswIndex.open: creates a persistent index file, or opens one: picks the newest valid header slot,
 * loads the embedded snapshot through the same validating reader as HnswIndex.load, and replays the
 * committed log through the same writes the writer made (writes.ts; so the result is the writer's index,
 * exactly; log-replay.ts). Every offset and length is checked against the file size before it is
 * used; anything damaged is CORRUPT_FILE, a newer format UNSUPPORTED_VERSION. A writer gets an
 * IndexFile (index-file.ts); a reader gets an IndexReader (index-reader.ts), whose refresh() comes back
 * here (readCommitted, loadCommitted) to reload.
 */
import { MemvecError } from '../errors.js';
import { crc32 } from '../format/crc32.js';
import { corrupt } from '../format/file-errors.js';
import { checkFileKind } from '../format/file-kind.js';
import {
  chooseIndexHeader, decodeIndexSlot, INDEX_DATA_START, type IndexHeader,
} from '../format/hnsw-file-header.js';
import { racedACommit, readSlots } from '../format/header-slots.js';
import { type HnswSnapshotHeader, readHeader as readSnapshotHeader } from '../format/hnsw-snapshot.js';
import { openOrCreate } from '../storage/open-or-create.js';
import { resolveBackend } from '../storage/select.js';
import type { StorageBackend, StorageFile, WriterLock } from '../storage/types.js';
import { checkInt, checkOptionKeys, checkSignal, describe, optionNames } from '../validate.js';
import { METRIC_IDS, metricName } from '../engine/metrics.js';
import { IndexCore } from './index-core.js';
import { IndexFile } from './index-file.js';
import { IndexReader } from './index-reader.js';
import type { Journal } from './journal.js';
import { applyLog, LOG_START, readLog } from './log-replay.js';
import { RangeFile } from './range-file.js';
import { now } from './time.js';
import type { HnswIndexOptions, HnswMetric, HnswOpenOptions, HnswProgressOptions } from './types.js';

/** A load's progress options, and the threads of the index it makes. */
type HnswLoadProgress = HnswProgressOptions & { threads?: number | undefined };
import { checkOptions, checkProgress, checkRerankShape, checkThreads } from './validate.js';
import { elementType } from '../engine/element-type.js';
import { COMPACT_SUFFIX, writeWholeIndexFile } from './whole-file.js';
import { replaceFile, replacementPath } from '../storage/replace-file.js';

export type { HnswOpenOptions };

type Config = Required<HnswIndexOptions>;

const CONFIG_KEYS = ['dimension', 'metric', 'M', 'efConstruction', 'efSearch', 'seed', 'quantization', 'rerank'] as const;
const OPEN_OPTIONS = optionNames<HnswOpenOptions>()([...CONFIG_KEYS, 'backend', 'readOnly', 'checkpointLogBytes', 'signal', 'onProgress', 'threads']);
/** A reader racing a writer's checkpoint may read a snapshot as it is overwritten: it tries again. */
const READER_ATTEMPTS = 4;

/** The same error with the path in front (the snapshot reader does not know it). */
function withPath(path: string, err: unknown): unknown {
  return err instanceof MemvecError ? new MemvecError(err.code, `${path}: ${err.message}`, { cause: err }) : err;
}

/** HnswIndex.open, on a core: the index at `path` (created if missing), its file attached as its journal. */
export async function openIndexFile(path: unknown, options: unknown): Promise<IndexCore> {
  if (typeof path !== 'string' || path.length === 0) throw new MemvecError('INVALID_ARGUMENT', `path must be a non-empty string, got ${describe(path)}`);
  const opts = checkOptionKeys(options as HnswOpenOptions | undefined, OPEN_OPTIONS, 'HnswIndex.open options');
  const readOnly = opts.readOnly ?? false;
  if (typeof readOnly !== 'boolean') throw new MemvecError('INVALID_ARGUMENT', `readOnly must be a boolean, got ${describe(readOnly)}`);
  const logBytes = opts.checkpointLogBytes;
  if (logBytes !== undefined && logBytes !== Infinity) checkInt(logBytes, 'checkpointLogBytes', 0);
  checkProgress(opts);
  checkSignal(opts.signal);
  const threads = checkThreads(opts.threads);
  // The config fields the caller named: checked now (with the same ranges as create), compared with
  // the file's later. Fields left out come from the file.
  const given: Partial<Config> = {};
  for (const key of CONFIG_KEYS) if (opts[key] !== undefined) (given as Record<string, unknown>)[key] = opts[key];
  // rerank is checked against the quantization it goes with: the given one, or else the file's
  // (checkConfig; a new file's is f32 then, which takes no rerank: the create below says so).
  checkOptions({ ...given, dimension: given.dimension ?? 1, rerank: given.quantization === undefined ? undefined : given.rerank });
  if (given.quantization === undefined && given.rerank !== undefined) checkRerankShape(given.rerank);

  const backend = await resolveBackend(opts.backend);
  const create = async (lock: WriterLock): Promise<void> => {
    if (given.dimension === undefined) throw new MemvecError('INVALID_ARGUMENT', `${path} does not exist, and creating an index needs a dimension`);
    await createIndexFile(backend, lock, checkOptions({ ...given, dimension: given.dimension }));
  };
  return openOrCreate(backend, path, readOnly, create, async (lock) => {
    const progress = { signal: opts.signal, onProgress: opts.onProgress, threads };
    return await readCommitted<IndexCore>(backend, path, readOnly, lock, async (file, header, slot) => {
      // A writer keeps its file open, so a quantized index's originals stay there (a reader keeps no file).
      const { index, snapshotMs, replayMs } = await loadCommitted(file, path, header, given, progress, lock !== null);
      try {
        let journal: Journal;
        if (lock === null) {
          // A reader keeps no file open (and never held a lock): refresh() reopens the path.
          journal = new IndexReader(path, header, file.size(), index, {
            backend,
            load: (f, h) => loadCommitted(f, path, h, { ...given, ...index.config }, { threads }).then((r) => r.index),
            retry: (run) => readCommitted(backend, path, true, null, run),
          });
          file.close();
        } else {
          // What a compaction killed before its rename left beside the file (this writer holds the
          // lock, so no compaction of this path is running). One that cannot be removed now is removed
          // by the next compaction, which starts by removing it: not a reason to refuse the open.
          await backend.remove(replacementPath(path, COMPACT_SUFFIX)).catch(() => undefined);
          // The IndexFile owns the lock from here and releases it when it closes.
          journal = new IndexFile({ file, backend, path, header, slot, core: index, checkpointLogBytes: logBytes, costs: { snapshotMs, replayMs }, lock });
        }
        index.attach(journal, backend.name);
        return index;
      } catch (err) {
        index.close();
        throw err;
      }
    });
  });
}

/**
 * Opens `path` (a writer with the lock it holds), reads its newest header and runs `use` on them. On
 * failure the file is closed; a reader (which holds no lock, so a writer may commit while it reads)
 * whose read failed as CORRUPT_FILE while the header moved on tries again with the new header: it
 * never sees a half commit.
 */
export async function readCommitted<T>(
  backend: StorageBackend, path: string, readOnly: boolean, lock: WriterLock | null,
  use: (file: StorageFile, header: IndexHeader, slot: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const file = await backend.open(path, { readOnly, lock: lock ?? undefined });
    let used: IndexHeader | undefined;
    try {
      const { header, slot } = readIndexHeader(file, path);
      used = header;
      return await use(file, header, slot);
    } catch (err) {
      const changed = readOnly && racedACommit(err, used?.sequence, () => readIndexHeader(file, path).header.sequence);
      file.close();
      if (!changed || attempt >= READER_ATTEMPTS) throw err;
    }
  }
}

export function readIndexHeader(file: StorageFile, path: string): { header: IndexHeader; slot: number } {
  checkFileKind(file, path, 'index');
  const size = file.size();
  if (size < INDEX_DATA_START) throw corrupt(path, `${size} bytes is too short for a memvec HNSW index file`);
  return chooseIndexHeader(readSlots(file, decodeIndexSlot), path);
}

/**
 * The index `header` commits: its snapshot loaded through the same validating reader as
 * HnswIndex.load, then its log replayed. Progress counts the snapshot's bytes, then the log's.
 */
async function loadCommitted(
  file: StorageFile, path: string, header: IndexHeader, given: Partial<Config>, progress: HnswLoadProgress, originalsInFile = false,
): Promise<{ index: IndexCore; snapshotMs: number; replayMs: number }> {
  const snapshotFile = new RangeFile(file, header.snapshotOffset, header.snapshotLength);
  let snapshot: HnswSnapshotHeader;
  try {
    snapshot = readSnapshotHeader(snapshotFile);
  } catch (err) {
    throw withPath(path, err);
  }
  checkConfig(path, given, snapshot, header.seed);
  if (header.orderedSlots > snapshot.slots) throw corrupt(path, 'the header counts more ordered slots than the snapshot holds');

  const { signal, onProgress, threads } = progress;
  let snapshotBytes = 0;
  const snapshotProgress = onProgress === undefined ? undefined : (done: number, total: number): void => {
    snapshotBytes = total;
    onProgress(done, total + header.logLength);
  };
  let started = now();
  const index = await IndexCore.load(snapshotFile, { signal, onProgress: snapshotProgress, threads }, originalsInFile).catch((err: unknown) => {
    throw withPath(path, err);
  });
  const snapshotMs = now() - started;
  try {
    // The header load() validated the sections against is the one the index header points to: not a
    // newer snapshot a writer put in the same place meanwhile (a reader does not hold the lock).
    if (crc32(snapshotFile.headBytes) !== header.snapshotCrc) throw corrupt(path, 'the snapshot is not the one the header points to');
    index.slots.orderedSlots = header.orderedSlots;
    started = now();
    const ops = readLog(file, path, header, LOG_START, snapshot.dimension);
    const total = snapshotBytes + header.logLength;
    await applyLog(index, ops, path, {
      signal, yields: true, onBytes: onProgress === undefined ? undefined : (done) => onProgress(snapshotBytes + done, total),
    });
    if (ops.length === 0) onProgress?.(total, total);
    return { index, snapshotMs, replayMs: now() - started };
  } catch (err) {
    index.close();
    throw err;
  }
}

function checkConfig(path: string, given: Partial<Config>, s: HnswSnapshotHeader, seed: number): void {
  if (given.dimension !== undefined && given.dimension !== s.dimension) {
    throw new MemvecError('DIMENSION_MISMATCH', `${path} holds vectors of dimension ${s.dimension}, not ${given.dimension}`);
  }
  const quantization = elementType(s.element).kind;
  if (given.quantization !== undefined && given.quantization !== quantization) {
    throw new MemvecError('INVALID_ARGUMENT', `${path} holds ${quantization} vectors, not ${given.quantization}`);
  }
  if (given.rerank !== undefined) {
    // false (or 0, a reader's refresh passing its index's config on): no originals.
    const want = given.rerank === false ? 0 : given.rerank;
    if (want !== s.rerank) {
      const has = quantization === 'f32' ? 'an f32 index (no rerank)' : s.rerank === 0 ? 'rerank false' : `rerank ${s.rerank}`;
      throw new MemvecError('INVALID_ARGUMENT', `${path} was created with ${has}, not rerank ${String(given.rerank)}`);
    }
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
 * Creates an empty index at the path of `lock` (which the caller holds, so no other writer creates it
 * at the same time), written beside it and renamed into place, so the path never holds a half-made file.
 */
async function createIndexFile(backend: StorageBackend, lock: WriterLock, config: ReturnType<typeof checkOptions>): Promise<void> {
  const index = await IndexCore.create(config);
  try {
    const snap = index.snapshot();
    await replaceFile(backend, lock, 'create.tmp', {
      write: (tmp) => {
        writeWholeIndexFile(tmp, snap, { sequence: 1, orderedSlots: 0, seed: config.seed });
      },
    });
  } finally {
    index.close();
  }
}
