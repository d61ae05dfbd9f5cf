/**
 * HnswIndex: an approximate nearest-neighbour index (HNSW) whose graph, vectors and search scratch live
 * in the WASM engine's linear memory (assembly/hnsw.ts). This facade owns what JS is good at: argument
 * checks, string keys and JSON metadata, snapshots through a storage backend, and turning engine
 * statuses into MemvecErrors.
 *
 * Guarantees:
 * - Every call that fails leaves the index as it was. Inserts run inside an engine transaction whose
 *   undo log restores the graph exactly, so even a batchInsert that is aborted (or hits CAPACITY) on
 *   its last row leaves no trace.
 * - Upsert appends a new slot and marks the old one deleted (no slot reuse as in hnswlib's
 *   replace_deleted): that keeps rollback a matter of forgetting appended slots. Deleted slots stay in
 *   the graph as navigation waypoints, so an index with heavy churn grows until compact() rebuilds it
 *   from its live entries (src/hnsw/compact.ts says why a rebuild and not slot reuse).
 * - While a batchInsert or compact is running (they yield to the event loop), reads see the index as
 *   it was before; writes (insert, delete, batchInsert, compact, save, checkpoint) throw LOCKED until
 *   it settles.
 * - Metadata is stored as the JSON value it serializes to, deep-frozen: what `get` and `search` return
 *   is exactly what a saved and reloaded index returns.
 * - An index from HnswIndex.open lives in its file (src/hnsw/): each insert, batchInsert, delete,
 *   deleteMany and updateMetadata is committed to the file before it returns (and before it shows in
 *   memory), with the exact store's crash-safe commit protocol. This class only calls its Journal at
 *   those points. A reader's Journal (src/hnsw/index-reader.ts) refuses writes and implements refresh().
 *
 * This file is the public API only: argument checks and delegation. The index's state is one
 * IndexCore (src/hnsw/index-core.ts: engine, slot table, config, write lock, journal, seed), and the
 * work is in the helpers in src/hnsw/ that take it: argument checks (validate.ts, rows.ts), writes
 * (writes.ts, insert-transaction.ts, batch.ts, renumber.ts, compact.ts), search (search.ts,
 * search-batch.ts), stats (stats.ts), snapshots (snapshot-io.ts), and the persistent file
 * (open-file.ts, index-file.ts, index-reader.ts, log-replay.ts). The public types are in
 * src/hnsw/types.ts; nothing in src/hnsw/ imports this file.
 */
import type { Quantization } from './engine/element-type.js';
import { MemvecError } from './errors.js';
import { checkFileKind } from './format/file-kind.js';
import { readChanges } from './hnsw/change-feed.js';
import { compact } from './hnsw/compact.js';
import { toEntryFilter } from './hnsw/entry-filter.js';
import { matchingKeys } from './hnsw/matching-keys.js';
import { IndexCore } from './hnsw/index-core.js';
import { IndexReader } from './hnsw/index-reader.js';
import { decodeCursor, encodeCursor } from './hnsw/log-cursor.js';
import { openIndexFile } from './hnsw/open-file.js';
import { queryRow } from './hnsw/rows.js';
import { searchGraph } from './hnsw/search.js';
import { searchGraphBatch } from './hnsw/search-batch.js';
import { indexStats } from './hnsw/stats.js';
import { saveSnapshotFile } from './hnsw/snapshot-io.js';
import type {
  DeepReadonly, HnswEntry, HnswFilter, HnswIndexOptions, HnswIndexStats, HnswLoadOptions, HnswMetric, HnswOpenOptions,
  HnswBatchOptions, HnswProgressOptions, HnswSaveOptions, HnswSearchBatchOptions, HnswSearchOptions, HnswSearchResult,
} from './hnsw/types.js';
import { checkLookupKey, checkOptions, checkPath, checkProgress, checkSearchOptions, checkThreads, LOAD_OPTIONS, SAVE_OPTIONS } from './hnsw/validate.js';
import * as writes from './hnsw/writes.js';
import type { HnswChange } from './hnsw/change-feed.js';
import { ensureDisposeSymbols } from './runtime/dispose-symbols.js';
import { resolveBackend } from './storage/select.js';
import type { BackendName } from './storage/types.js';
import { checkInt, checkNonZero, checkOptionKeys, checkSignal, toBatch, type VectorInput } from './validate.js';

export type {
  DeepReadonly, HnswEntry, HnswFilter, HnswIndexOptions, HnswIndexStats, HnswLoadOptions, HnswMetric, HnswOpenOptions,
  HnswBatchOptions, HnswProgressOptions, HnswSaveOptions, HnswSearchBatchOptions, HnswSearchOptions, HnswSearchResult,
};
export { MAX_KEY_LENGTH } from './hnsw/validate.js';

// Before the class body below reads Symbol.dispose.
ensureDisposeSymbols();

/** insert's metadata argument: optional only when M allows undefined. */
type MetadataArg<M> = undefined extends M ? [metadata?: M] : [metadata: M];
/** The flat batchInsert's metadata list (one per vector) and options. */
type FlatBatchRest<M> = undefined extends M
  ? [metadata?: readonly M[], options?: HnswBatchOptions]
  : [metadata: readonly M[], options?: HnswBatchOptions];

/** What changesSince returns. */
export interface HnswChanges<M = unknown> {
  /** Pass it to the next changesSince call to get only what is committed after this one. */
  cursor: string;
  /** The committed changes after the given cursor, in log order (empty with `reset`). */
  changes: HnswChange<M>[];
  /** The whole committed state at `cursor`, read-only, when the log did not continue: close it. */
  reset?: HnswIndex<M>;
}

/**
 * M is the type of the metadata stored with each entry (unknown unless given:
 * `HnswIndex.create<{ title: string }>(...)`); it is stored as JSON and returned deep-frozen.
 */
export class HnswIndex<M = unknown> {
  readonly dimension: number;
  readonly metric: HnswMetric;
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  /** How the engine stores vectors: 'f32', 'f16' or 'i8'. */
  readonly quantization: Quantization;
  /**
   * The rerank factor of a quantized index that keeps its f32 originals; false for one that reranks
   * nothing: an f32 index (its scores are exact already), or a quantized one created with rerank: false.
   */
  readonly rerank: number | false;
  /**
   * How many threads batchInsert, searchBatch and compact run on (the calling thread included): the
   * threads option, or every core, or 1 where threads are unavailable (engineInfo().threadsReason).
   */
  readonly threads: number;

  /** The index's state; the helpers in src/hnsw/ take it (index-core.ts). */
  private readonly core: IndexCore;

  private constructor(core: IndexCore) {
    this.core = core;
    const { config } = core;
    this.dimension = config.dimension;
    this.metric = config.metric;
    this.M = config.M;
    this.efConstruction = config.efConstruction;
    this.efSearch = config.efSearch;
    this.quantization = config.quantization;
    this.rerank = config.rerank === 0 ? false : config.rerank;
    this.threads = core.live().engine.threads;
  }

  /** A new, empty index. */
  static async create<M = unknown>(options: HnswIndexOptions): Promise<HnswIndex<M>> {
    return new HnswIndex<M>(await IndexCore.create(checkOptions(options)));
  }

  /**
   * Opens the persistent index at `path`, creating it (empty, with these options) if it does not exist.
   * Every insert, batchInsert, delete, deleteMany and updateMetadata is durable when it returns, and a
   * crash at any instant leaves the last committed state (src/hnsw/index-file.ts). For an existing file
   * the options may be left out; those given must match the file's (DIMENSION_MISMATCH,
   * INVALID_ARGUMENT). One writer per file (LOCKED); `{ readOnly: true }` opens a reader that sees the
   * last commit at the time it opened, and more with refresh(). `signal` aborts a long load (ABORTED:
   * nothing written, file and lock released); `onProgress(done, total)` reports bytes of the snapshot
   * and then of the log.
   */
  static async open<M = unknown>(path: string, options?: HnswOpenOptions): Promise<HnswIndex<M>> {
    // The metadata type is the caller's claim about what the file holds (it cannot be checked).
    return new HnswIndex<M>(await openIndexFile(path, options));
  }

  /** The storage backend of an index from open() ('mmap', 'fs', ...); null for one from create() or load(), which lives in memory. */
  get backend(): BackendName | null {
    return this.core.backendName;
  }

  /** Live entries. */
  size(): number {
    this.core.live();
    return this.core.slots.keyToSlot.size;
  }

  /**
   * Live entries that pass `filter` (an object filter or a function, as search takes); all of them
   * (size()) without one. An object filter is evaluated in the engine, a function once per live entry.
   * A malformed object filter is INVALID_ARGUMENT.
   */
  count(filter?: HnswFilter<M>): number {
    const core = this.core;
    core.live();
    if (filter === undefined) return core.slots.keyToSlot.size;
    return matchingKeys(core, toEntryFilter(filter)).length;
  }

  has(key: string): boolean {
    return this.core.has(key);
  }

  /** The stored vector (for cosine: the unit vector times the stored norm, so equal up to f32 rounding) and metadata. */
  get(key: string): { vector: Float32Array; metadata: DeepReadonly<M> } | null {
    const core = this.core;
    const engine = core.live();
    const slot = core.slots.keyToSlot.get(checkLookupKey(key));
    if (slot === undefined) return null;
    const vector = engine.readVector(slot);
    if (this.metric === 'cosine') {
      const norm = engine.storedNorm(slot);
      for (let i = 0; i < vector.length; i++) vector[i]! *= norm;
    }
    return { vector, metadata: core.slots.slotMeta[slot] as DeepReadonly<M> };
  }

  /** Inserts, or replaces the entry with the same key (vector and metadata both). */
  insert(key: string, vector: VectorInput, ...[metadata]: MetadataArg<M>): void {
    writes.insert(this.core, key, vector, metadata);
  }

  /**
   * Inserts many entries, all or nothing: if a row is invalid nothing is inserted, and if the signal
   * aborts (ABORTED), onProgress throws, or memory runs out (CAPACITY), every row inserted so far is
   * rolled back. Later rows win over earlier rows with the same key.
   */
  batchInsert(entries: readonly HnswEntry<M>[], options?: HnswBatchOptions): Promise<void>;
  /** The same with the vectors as one flat Float32Array of n·dimension values (and metadata[i] for vector i). */
  batchInsert(vectors: Float32Array, keys: readonly string[], ...rest: FlatBatchRest<M>): Promise<void>;
  batchInsert(a: unknown, b?: unknown, c?: unknown, d?: unknown): Promise<void> {
    return writes.batchInsert(this.core, a, b, c, d);
  }

  /** Removes an entry; false if the key was not there. Its slot stays in the graph as a waypoint. */
  delete(key: string): boolean {
    return writes.deleteKey(this.core, key);
  }

  /** The live keys (a new array each call), in the order the index first met them. */
  keys(): string[] {
    this.core.live();
    return [...this.core.slots.keyToSlot.keys()];
  }

  /**
   * A generator over the live entries: `{ key, vector, metadata }`, each vector as get() returns it
   * (a fresh copy) and read when the generator reaches it. It walks the keys live when it started;
   * one deleted meanwhile is skipped, one replaced meanwhile comes with its new vector. Throws CLOSED
   * if the index is closed while it runs.
   */
  *entries(): Generator<{ key: string; vector: Float32Array; metadata: DeepReadonly<M> }, void, undefined> {
    for (const key of this.keys()) {
      const entry = this.get(key);
      if (entry !== null) yield { key, vector: entry.vector, metadata: entry.metadata };
    }
  }

  /**
   * Replaces the metadata of an entry, keeping its vector and its place in the graph (no re-insert).
   * `undefined` removes it. The metadata is stored as insert stores it (its JSON value, deep-frozen).
   * UNKNOWN_ID if the key is not in the index.
   */
  updateMetadata(key: string, ...[metadata]: MetadataArg<M>): void {
    writes.updateMetadata(this.core, key, metadata);
  }

  /**
   * Removes every entry whose key is in `keys` as ONE commit (a persistent index writes one log
   * record): all of them or, if the call fails, none. Keys the index does not hold are skipped, and a
   * key given twice counts once. Returns how many entries were removed. A key that is not a string is
   * INVALID_ARGUMENT before anything changes.
   */
  deleteMany(keys: readonly string[]): number;
  /**
   * Removes every live entry that passes `filter` (an object filter, or a function as search takes) as
   * ONE commit, exactly as deleteMany(keys) of the matching keys. A malformed object filter is
   * INVALID_ARGUMENT and nothing is deleted. An object filter is evaluated in the engine, a function once
   * per live entry.
   */
  deleteMany(filter: HnswFilter<M>): number;
  deleteMany(keysOrFilter: readonly string[] | HnswFilter<M>): number {
    return writes.deleteMany(this.core, keysOrFilter as readonly string[] | HnswFilter<never>);
  }

  /** Counts and sizes of the index; see HnswIndexStats. */
  stats(): HnswIndexStats {
    const core = this.core;
    const engine = core.live();
    return indexStats(engine, core.slots, this.dimension, this.M, core.journal?.fileBytes());
  }

  /**
   * The k nearest entries to each query, as search() would return them, in ONE call into the engine.
   * `queries`: a flat Float32Array (or Float64Array) of n·dimension values, or an array of vectors.
   * Every query is checked before any is searched. A `filter` (object or function, as search takes)
   * is evaluated at most once per entry for the whole batch (it sees key and metadata, never the
   * query), only for entries some query's traversal reaches.
   */
  searchBatch(
    queries: Float32Array | Float64Array | readonly VectorInput[], k: number, options?: HnswSearchBatchOptions<M>,
  ): HnswSearchResult<M>[][] {
    this.core.live();
    const { data, count } = toBatch(queries, this.dimension, 'queries');
    // As search(): a cosine query needs a direction.
    if (this.metric === 'cosine') checkNonZero(data, this.dimension, (i) => `queries[${i}]`);
    checkInt(k, 'k', 1);
    const params = checkSearchOptions(options as HnswSearchBatchOptions | undefined, this.core.config, true);
    return searchGraphBatch(this.core, data, count, k, params) as HnswSearchResult<M>[][];
  }

  /**
   * A reader (HnswIndex.open with { readOnly: true }): loads the commits made to the file since it
   * opened or last refreshed, without reopening; returns true if it loaded anything. Cheap when
   * nothing changed (one header read); when only the log grew it replays just the new records; after
   * a checkpoint, or when the path holds another file, it reloads the whole index (a failure leaves
   * the index as it was). Reads during a refresh see the index as it was before it. On a writer, and
   * on an index from create() or load(), there is nothing to load: false.
   */
  async refresh(): Promise<boolean> {
    this.core.live();
    return (await this.core.refresher?.()) ?? false;
  }

  /**
   * A persistent index's change feed: the changes committed to its FILE after `cursor` (a string an
   * earlier call returned), in order, read from the file's operation log, and the cursor past them.
   * Without a cursor, or when the log no longer continues from it (a checkpoint folded the log into a
   * new snapshot, or compact() replaced the file), `reset` is a read-only index of the whole committed
   * state at the returned cursor and `changes` is empty: the consumer starts again from it, and must
   * close it. Upserts are inserts (an insert of a held key replaces it). syncToPostgres is built on it.
   */
  async changesSince(cursor?: string): Promise<HnswChanges<M>> {
    this.core.live();
    const file = this.core.fileOf;
    if (file === null) throw new MemvecError('INVALID_ARGUMENT', 'changesSince reads the file of a persistent index (HnswIndex.open); this index lives in memory');
    if (cursor !== undefined) {
      const read = await readChanges<M>(file.backend, file.path, this.dimension, decodeCursor(cursor));
      if (read !== null) return { cursor: encodeCursor(read.cursor), changes: read.changes };
    }
    const reset = await openIndexFile(file.path, { readOnly: true, backend: file.backend });
    const journal = reset.journal;
    if (!(journal instanceof IndexReader)) {
      reset.close();
      throw new MemvecError('INTERNAL', 'a read-only open did not give a reader');
    }
    return { cursor: encodeCursor(journal.cursor()), changes: [], reset: new HnswIndex<M>(reset) };
  }

  /**
   * Reclaims the slots of deleted and replaced entries, which otherwise stay in the graph (and the
   * snapshot, and the file) for good: rebuilds the graph from the live entries in a fresh engine and
   * swaps it in, all or nothing. Resolves to the number of slots reclaimed (0: nothing to do, nothing
   * changed). Afterwards the index is the one HnswIndex.create + batchInsert of its live entries (in
   * slot order: each key's last write, unless a large batch renumbered slots for locality) gives, with
   * the same options: same answers, same save() bytes; keys, metadata and get() are unchanged.
   *
   * It takes as long as building that fresh index and, until the swap, memory for both graphs. It
   * yields to the event loop as it goes: reads keep answering from the index as it was, writes throw
   * LOCKED. An aborted signal (ABORTED), onProgress throwing, or close() leaves the index as it was.
   *
   * A persistent index (open()) gets a new, smaller file: written complete beside its path, synced,
   * then renamed over it, and the index continues on it; a crash at any moment leaves the old file
   * or the new one, both whole (a leftover temporary file is removed by the next writer's open). If
   * the file cannot be reopened after the rename, the index closes itself (CLOSED), and the file holds
   * the compacted index. Readers opened with { readOnly: true } before it keep answering from what
   * they loaded (they hold no file once open; one still loading keeps reading the old file, which
   * POSIX keeps alive while open) until their refresh() loads the compacted file; readers opened after
   * it see the compacted file.
   */
  async compact(options?: HnswBatchOptions): Promise<{ reclaimed: number }> {
    return compact(this.core, options);
  }

  /** The k nearest entries to `query`, best first. */
  search(query: VectorInput, k: number, options?: HnswSearchOptions<M>): HnswSearchResult<M>[] {
    const core = this.core;
    core.live();
    const q = queryRow(query, this.dimension, this.metric);
    checkInt(k, 'k', 1);
    const params = checkSearchOptions(options as HnswSearchOptions | undefined, this.core.config);
    return searchGraph(core, q, k, params) as HnswSearchResult<M>[];
  }

  /**
   * Writes a snapshot to `path` atomically: a temporary file in the same backend, synced, then renamed
   * over the target, so a crash leaves the old file or the new one.
   */
  async save(path: string, options?: HnswSaveOptions): Promise<void> {
    const core = this.core;
    core.writable('save', false);
    checkPath(path);
    if (path === core.journal?.path) {
      // Renaming a snapshot over the open file would cut the index off from where it commits.
      throw new MemvecError('LOCKED', `${path} is this index's own file, open for writing: save a snapshot to another path`);
    }
    const opts = checkOptionKeys(options, SAVE_OPTIONS, 'save options');
    const backend = await resolveBackend(opts.backend);
    // The index is checked again once the file is open: it may have closed or locked meanwhile.
    await saveSnapshotFile(backend, path, () => {
      core.writable('save', false);
      return core.snapshot();
    });
  }

  /**
   * Persistent index: writes the current state as a fresh snapshot inside its file and empties the
   * log, so the next open loads it instead of replaying writes. It also happens on its own as the log
   * grows, and every write is durable without it. Runs synchronously once started. An index from
   * create() or load() has no file: nothing to do.
   */
  async checkpoint(): Promise<void> {
    this.core.writable('checkpoint');
    this.core.journal?.checkpoint();
  }

  /**
   * Opens a snapshot written by save(). A damaged or foreign file is CORRUPT_FILE (a newer format is
   * UNSUPPORTED_VERSION): every length is checked against the file size before anything is allocated,
   * every section's CRC-32 is checked, and the engine validates the graph before it is used.
   */
  static async load<M = unknown>(path: string, options?: HnswLoadOptions): Promise<HnswIndex<M>> {
    checkPath(path);
    const opts = checkOptionKeys(options, LOAD_OPTIONS, 'load options');
    checkProgress(opts);
    checkSignal(opts.signal);
    const backend = await resolveBackend(opts.backend);
    const file = await backend.open(path, { readOnly: true });
    try {
      checkFileKind(file, path, 'snapshot');
      return new HnswIndex<M>(await IndexCore.load(file, { ...opts, threads: checkThreads(opts.threads) }));
    } finally {
      file.close();
    }
  }

  /**
   * Releases the engine's memory, and the file (and its write lock) of a persistent index: every write
   * was durable already, so closing is never needed to keep data. Idempotent; every other method then
   * throws CLOSED.
   */
  close(): void {
    this.core.close();
  }

  /** `using index = ...` (Bun, Deno, TypeScript's downlevelled `using`): close(). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using index = ...`: close() (there is nothing to flush). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
