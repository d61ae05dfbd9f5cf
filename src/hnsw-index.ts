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
 * This file is the public API and the index's state; the work is in src/hnsw/: argument checks
 * (validate.ts, rows.ts), the insert transaction and batch (insert-transaction.ts, batch.ts, renumber.ts),
 * search (search.ts, search-batch.ts), stats (stats.ts), snapshots (snapshot-io.ts), and the persistent
 * file (open-file.ts, index-file.ts, index-reader.ts, log-replay.ts).
 */
import { HnswEngine } from './engine/hnsw-engine.js';
import { METRIC_IDS, type MetricName } from './engine/metrics.js';
import { MemvecError } from './errors.js';
import type { MetadataFilter } from './filter/filter.js';
import { checkFileKind } from './format/file-kind.js';
import { runBatch } from './hnsw/batch.js';
import { rebuild } from './hnsw/compact.js';
import { isFilter, matchingKeys, toEntryFilter } from './hnsw/entry-filter.js';
import { FilterState } from './hnsw/filter-state.js';
import { type HnswChange, readChanges } from './hnsw/change-feed.js';
import { decodeCursor, encodeCursor } from './hnsw/log-cursor.js';
import type { Journal } from './hnsw/index-file.js';
import { IndexReader } from './hnsw/index-reader.js';
import { InsertTransaction } from './hnsw/insert-transaction.js';
import { type HnswOpenOptions, openIndexFile } from './hnsw/open-file.js';
import { batchArguments, queryRow, singleRow } from './hnsw/rows.js';
import { searchGraph } from './hnsw/search.js';
import { BatchBuffers, searchGraphBatch } from './hnsw/search-batch.js';
import { indexStats } from './hnsw/stats.js';
import { emptySlotTable, setSlotMeta, type SlotTable } from './hnsw/slot-table.js';
import type { FilterColumns } from './filter/columns.js';
import { readSnapshot, saveSnapshotFile, snapshotOf } from './hnsw/snapshot-io.js';
import { now } from './hnsw/time.js';
import {
  checkLookupKey, checkOptions, checkPath, checkProgress, checkSearchOptions, type Config, LOAD_OPTIONS, PROGRESS_OPTIONS,
  SAVE_OPTIONS, toStoredMetadata,
  type SearchParams,
} from './hnsw/validate.js';
import type { LongWorkOptions } from './long-work.js';
import { ensureDisposeSymbols } from './runtime/dispose-symbols.js';
import { resolveBackend, type BackendChoice } from './storage/select.js';
import type { BackendName, StorageBackend, StorageFile } from './storage/types.js';
import { checkInt, checkNonZero, checkOptionKeys, checkSignal, describe, toBatch, type VectorInput } from './validate.js';

export { MAX_KEY_LENGTH } from './hnsw/validate.js';

// Before the class body below reads Symbol.dispose.
ensureDisposeSymbols();

export type HnswMetric = MetricName;

export interface HnswIndexOptions {
  dimension: number;
  /** Default 'cosine'. */
  metric?: HnswMetric;
  /** Links per node on the upper layers (2·M on layer 0), in [2, 128]. Default 16. */
  M?: number;
  /** Candidate list size while inserting, in [1, 2^20]. Default 200. */
  efConstruction?: number;
  /** Default candidate list size while searching, in [1, 2^20]. Default 50. */
  efSearch?: number;
  /** Seeds the level generator, so the same inserts build the same graph. Default 100. */
  seed?: number;
}

/**
 * Metadata as `get` and `search` return it: the JSON value it serialized to, frozen all the way down
 * (so M should be a JSON shape: a Date comes back as a string, a Map as {}).
 */
export type DeepReadonly<T> = T extends readonly (infer R)[]
  ? ReadonlyArray<DeepReadonly<R>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** One entry of batchInsert. The metadata may be left out only when M allows undefined (as unknown does). */
export type HnswEntry<M = unknown> = { key: string; vector: VectorInput } & (undefined extends M ? { metadata?: M } : { metadata: M });

/** insert's metadata argument: optional only when M allows undefined. */
type MetadataArg<M> = undefined extends M ? [metadata?: M] : [metadata: M];
/** The flat batchInsert's metadata list (one per vector) and options. */
type FlatBatchRest<M> = undefined extends M
  ? [metadata?: readonly M[], options?: HnswProgressOptions]
  : [metadata: readonly M[], options?: HnswProgressOptions];

/** The same options as MemMapVector's long work (src/long-work.ts), under the name HnswIndex's API has used. */
export type HnswProgressOptions = LongWorkOptions;

export interface HnswSearchOptions<M = unknown> {
  /** Candidate list size for this query; raised to k when smaller. Default: the index's efSearch. */
  ef?: number;
  /** Drop results whose score is below this. */
  minScore?: number;
  /**
   * Only entries that pass it are returned: a function of (key, metadata), or an object filter such as
   * `{ lang: 'en', year: { $gte: 2020 } }` (MetadataFilter: MongoDB's rules, see src/filter/filter.ts).
   * The engine evaluates it only for the entries its traversal reaches (an object filter in WASM over
   * columns of the metadata; a function called back, at most once per entry per search) and admits
   * only matches, so k results come back whenever k entries match. A function filter may read the
   * index but not write to it or search it (LOCKED).
   */
  filter?: HnswFilter<M>;
}

/**
 * A filter of search, searchBatch, count and deleteMany: a function of an entry's key and metadata, or
 * an object filter (checked and compiled once per call; a malformed one is INVALID_ARGUMENT).
 */
export type HnswFilter<M = unknown> = ((key: string, metadata: DeepReadonly<M>) => boolean) | MetadataFilter;

export interface HnswSearchResult<M = unknown> {
  key: string;
  /** Higher is better: cosine similarity, dot product, or negative L2 distance. */
  score: number;
  /** The metric's distance: 1 - cosine similarity, L2 distance, or 1 - dot product. */
  distance: number;
  metadata: DeepReadonly<M>;
}

/** What stats() reports. */
export interface HnswIndexStats {
  /** Live entries (size()). */
  entries: number;
  /** Slots of deleted or replaced entries, still in the graph as waypoints. */
  deletedSlots: number;
  /** Bytes of the engine's WASM linear memory (vectors, graph, scratch). */
  wasmBytes: number;
  /**
   * A persistent index: bytes of its file (a writer: now; a reader: at open or the last refresh).
   * An index from create() or load() has no file: undefined.
   */
  fileBytes: number | undefined;
  /** About how many more vectors fit before inserts fail with CAPACITY (see src/hnsw/stats.ts). */
  capacityLeft: number;
}

export interface HnswSaveOptions {
  /** A storage backend or its name; default: the one for this runtime. */
  backend?: BackendChoice;
}

export interface HnswLoadOptions extends HnswProgressOptions {
  backend?: BackendChoice;
}

/**
 * M is the type of the metadata stored with each entry (unknown unless given:
 * `HnswIndex.create<{ title: string }>(...)`); it is stored as JSON and returned deep-frozen.
 */
/** What changesSince returns. */
export interface HnswChanges<M = unknown> {
  /** Pass it to the next changesSince call to get only what is committed after this one. */
  cursor: string;
  /** The committed changes after the given cursor, in log order (empty with `reset`). */
  changes: HnswChange<M>[];
  /** The whole committed state at `cursor`, read-only, when the log did not continue: close it. */
  reset?: HnswIndex<M>;
}

export class HnswIndex<M = unknown> {
  readonly dimension: number;
  readonly metric: HnswMetric;
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;

  private engine: HnswEngine | null;
  /** Key and metadata of every slot, and the key -> slot map (helpers in src/hnsw/ get it passed). */
  private slots: SlotTable;
  /**
   * The level generator's seed, where known (create, open): compact() restarts the generator from it,
   * so a compacted index is the fresh index of its entries. null after load(): a snapshot keeps the
   * generator's state, not its seed.
   */
  private seed: number | null = null;
  /** searchBatch's engine buffers, kept between calls; null until the first batch. */
  private batchBuffers: BatchBuffers | null = null;
  /** The long write in progress (it holds the write lock), if any. */
  private busy: string | null = null;
  /** A search's function filter is running (called back from the engine): it may read, not write or search. */
  private inFilter = false;
  /** The filter columns object filters run on, made when first needed. */
  private readonly filters = new FilterState();
  /** The file of an index from open(); null for create() and load() (and while a refresh replays). */
  private journal: Journal | null = null;
  /** The file's refresh, kept apart from `journal`, which a refresh detaches while it replays. */
  private refresher: (() => Promise<boolean>) | null = null;
  /** Why the index closed itself (a failed write to its file), for the CLOSED errors that follow. */
  private closedBy: unknown = undefined;
  private backendName: BackendName | null = null;
  /** Where changesSince reads: the file of an index from open() (kept while a refresh detaches `journal`). */
  private fileOf: { backend: StorageBackend; path: string } | null = null;

  private constructor(engine: HnswEngine, config: Config, slots: SlotTable = emptySlotTable()) {
    this.engine = engine;
    this.dimension = config.dimension;
    this.metric = config.metric;
    this.M = config.M;
    this.efConstruction = config.efConstruction;
    this.efSearch = config.efSearch;
    this.slots = slots;
  }

  /** A new, empty index. */
  static async create<M = unknown>(options: HnswIndexOptions): Promise<HnswIndex<M>> {
    const config = checkOptions(options);
    const engine = await HnswEngine.create({
      dimension: config.dimension, metric: METRIC_IDS[config.metric], M: config.M, efConstruction: config.efConstruction,
      seedLo: config.seed % 2 ** 32, seedHi: Math.floor(config.seed / 2 ** 32),
    }, 'creating the index');
    const index = new HnswIndex<M>(engine, config);
    index.seed = config.seed;
    return index;
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
  static open<M = unknown>(path: string, options?: HnswOpenOptions): Promise<HnswIndex<M>> {
    return openIndexFile<M>(path, options, {
      create: (config) => HnswIndex.create(config),
      load: (file, opts) => HnswIndex.loadFrom(file, opts),
      snapshot: (index) => snapshotOf(index.live(), index, index.slots),
      orderedSlots: (index) => index.slots.orderedSlots,
      setOrderedSlots: (index, slots) => {
        index.slots.orderedSlots = slots;
      },
      attach: (index, journal, backend) => {
        index.journal = journal;
        index.backendName = backend;
        index.seed = journal.seed;
        index.refresher = () => journal.refresh();
        index.fileOf = { backend: journal.backend, path: journal.path };
      },
      fail: (index, err) => {
        index.close();
        index.closedBy = err;
      },
      replaying: async (index, replay) => {
        const journal = index.journal;
        index.journal = null;
        try {
          await replay();
        } finally {
          // close() during the replay could not reach the detached journal: close it here.
          if (index.engine === null) journal?.close();
          else index.journal = journal;
        }
      },
      adopt: (index, fresh) => {
        index.engine = fresh.engine;
        index.slots = fresh.slots;
        index.batchBuffers = null;
        fresh.engine = null;
        fresh.slots = emptySlotTable();
        fresh.close();
      },
    });
  }

  /** The storage backend of an index from open() ('mmap', 'fs', ...); null for one from create() or load(), which lives in memory. */
  get backend(): BackendName | null {
    return this.backendName;
  }

  private live(): HnswEngine {
    if (this.engine === null) {
      const cause = this.closedBy;
      if (cause === undefined) throw new MemvecError('CLOSED', 'the index is closed');
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new MemvecError('CLOSED', `the index closed itself after a failed write to its file (${detail})`, { cause });
    }
    return this.engine;
  }

  /** The engine, if a write may start now; `logged` writes (not save) also need a writable file. */
  private writable(what: string, logged = true): HnswEngine {
    const engine = this.live();
    if (this.inFilter) throw new MemvecError('LOCKED', `cannot ${what} from inside a search's filter function`);
    if (this.busy !== null) {
      throw new MemvecError('LOCKED', `cannot ${what} while a ${this.busy} is in progress on this index`);
    }
    if (logged) this.journal?.checkWritable();
    return engine;
  }

  /** Live entries. */
  size(): number {
    this.live();
    return this.slots.keyToSlot.size;
  }

  /**
   * Live entries that pass `filter` (an object filter or a function, as search takes); all of them
   * (size()) without one. An object filter is evaluated in the engine, a function once per live entry. A malformed object filter
   * is INVALID_ARGUMENT.
   */
  count(filter?: HnswFilter<M>): number {
    this.live();
    if (filter === undefined) return this.slots.keyToSlot.size;
    return matchingKeys(() => this.live(), this.slots, this.columnsFor, toEntryFilter(filter)).length;
  }

  has(key: string): boolean {
    this.live();
    return this.slots.keyToSlot.has(checkLookupKey(key));
  }

  /** The stored vector (for cosine: the unit vector times the stored norm, so equal up to f32 rounding) and metadata. */
  get(key: string): { vector: Float32Array; metadata: DeepReadonly<M> } | null {
    const engine = this.live();
    const slot = this.slots.keyToSlot.get(checkLookupKey(key));
    if (slot === undefined) return null;
    const vector = engine.readVector(slot);
    if (this.metric === 'cosine') {
      const norm = engine.storedNorm(slot);
      for (let i = 0; i < vector.length; i++) vector[i]! *= norm;
    }
    return { vector, metadata: this.slots.slotMeta[slot] as DeepReadonly<M> };
  }

  /** Inserts, or replaces the entry with the same key (vector and metadata both). */
  insert(key: string, vector: VectorInput, ...[metadata]: MetadataArg<M>): void {
    const startedAt = now();
    const engine = this.writable('insert');
    const rows = singleRow(key, vector, metadata, this.dimension, this.metric);
    const tx = InsertTransaction.begin(engine, this.slots, this.dimension, rows, 'inserting a vector');
    try {
      tx.insertRow(0);
      // The file first: memory never runs ahead of it (src/hnsw/index-file.ts).
      this.journal?.logInsert(rows, false);
    } catch (err) {
      if (this.engine !== null) tx.rollback();
      throw err;
    }
    tx.commit();
    this.journal?.committed(startedAt);
  }

  /**
   * Inserts many entries, all or nothing: if a row is invalid nothing is inserted, and if the signal
   * aborts (ABORTED), onProgress throws, or memory runs out (CAPACITY), every row inserted so far is
   * rolled back. Later rows win over earlier rows with the same key.
   */
  batchInsert(entries: readonly HnswEntry<M>[], options?: HnswProgressOptions): Promise<void>;
  /** The same with the vectors as one flat Float32Array of n·dimension values (and metadata[i] for vector i). */
  batchInsert(vectors: Float32Array, keys: readonly string[], ...rest: FlatBatchRest<M>): Promise<void>;
  async batchInsert(a: unknown, b?: unknown, c?: unknown, d?: unknown): Promise<void> {
    this.writable('batchInsert');
    const { rows, options } = batchArguments(a, b, c, d, this.dimension, this.metric);
    await runBatch({
      call: 'batchInsert',
      table: this.slots,
      dimension: this.dimension,
      writable: () => this.writable('batchInsert'),
      isOpen: () => this.engine !== null,
      journal: () => this.journal,
      lock: (busy) => {
        this.busy = busy;
      },
    }, rows, options);
  }

  /** Removes an entry; false if the key was not there. Its slot stays in the graph as a waypoint. */
  delete(key: string): boolean {
    const engine = this.writable('delete');
    const { keyToSlot, slotKey, slotMeta } = this.slots;
    const slot = keyToSlot.get(checkLookupKey(key));
    if (slot === undefined) return false;
    const startedAt = now();
    this.journal?.logDelete([key]);
    engine.markDeleted(slot);
    keyToSlot.delete(key);
    slotKey[slot] = undefined;
    slotMeta[slot] = undefined;
    this.journal?.committed(startedAt);
    return true;
  }

  /** The live keys (a new array each call), in the order the index first met them. */
  keys(): string[] {
    this.live();
    return [...this.slots.keyToSlot.keys()];
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
    this.writable('updateMetadata');
    const slot = this.slots.keyToSlot.get(checkLookupKey(key));
    const stored = toStoredMetadata(metadata, 'metadata');
    if (slot === undefined) throw new MemvecError('UNKNOWN_ID', `no entry with key ${describe(key)}`);
    const startedAt = now();
    this.journal?.logUpdateMetadata(key, stored);
    setSlotMeta(this.slots, slot, stored);
    this.journal?.committed(startedAt);
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
   * INVALID_ARGUMENT and nothing is deleted. An object filter is evaluated in the engine, a function once per live entry.
   */
  deleteMany(filter: HnswFilter<M>): number;
  deleteMany(keysOrFilter: readonly string[] | HnswFilter<M>): number {
    if (isFilter(keysOrFilter)) {
      this.writable('deleteMany');
      // Compiled (and checked) before anything is looked at; the keys go through the one deleteMany path.
      const f = toEntryFilter(keysOrFilter);
      return this.deleteMany(matchingKeys(() => this.live(), this.slots, this.columnsFor, f));
    }
    const keys = keysOrFilter as readonly string[];
    const engine = this.writable('deleteMany');
    if (!Array.isArray(keys)) {
      throw new MemvecError('INVALID_ARGUMENT', `deleteMany takes an array of keys or a filter (an object or a function), got ${describe(keys)}`);
    }
    const { keyToSlot, slotKey, slotMeta } = this.slots;
    const present = new Map<string, number>();
    // A plain loop, not forEach: a hole in a sparse array is undefined here, and refused.
    for (let i = 0; i < keys.length; i++) {
      const key: unknown = keys[i];
      if (typeof key !== 'string') throw new MemvecError('INVALID_ARGUMENT', `keys[${i}] must be a string, got ${describe(key)}`);
      const slot = keyToSlot.get(key);
      if (slot !== undefined) present.set(key, slot);
    }
    if (present.size === 0) return 0;
    const startedAt = now();
    this.journal?.logDelete([...present.keys()]);
    for (const [key, slot] of present) {
      engine.markDeleted(slot);
      keyToSlot.delete(key);
      slotKey[slot] = undefined;
      slotMeta[slot] = undefined;
    }
    this.journal?.committed(startedAt);
    return present.size;
  }

  /** Counts and sizes of the index; see HnswIndexStats. */
  stats(): HnswIndexStats {
    const engine = this.live();
    return indexStats(engine, this.slots, this.dimension, this.M, this.journal?.fileBytes());
  }

  /**
   * The k nearest entries to each query, as search() would return them, in ONE call into the engine.
   * `queries`: a flat Float32Array (or Float64Array) of n·dimension values, or an array of vectors.
   * Every query is checked before any is searched. A `filter` (object or function, as search takes)
   * is evaluated at most once per entry for the whole batch (it sees key and metadata, never the
   * query), only for entries some query's traversal reaches.
   */
  searchBatch(
    queries: Float32Array | Float64Array | readonly VectorInput[], k: number, options?: HnswSearchOptions<M>,
  ): HnswSearchResult<M>[][] {
    this.live();
    const { data, count } = toBatch(queries, this.dimension, 'queries');
    // As search(): a cosine query needs a direction.
    if (this.metric === 'cosine') checkNonZero(data, this.dimension, (i) => `queries[${i}]`);
    checkInt(k, 'k', 1);
    const params = checkSearchOptions(options as HnswSearchOptions | undefined, this.efSearch);
    return this.filtering('searchBatch', params, () => searchGraphBatch(() => this.live(), (engine) => {
      if (this.batchBuffers?.engine !== engine) this.batchBuffers = new BatchBuffers(engine);
      return this.batchBuffers;
    }, this.slots, this.metric, data, count, k, params, this.columnsFor)) as HnswSearchResult<M>[][];
  }

  /** The filter columns of the index's engine and slots, current (object filters run on them). */
  private readonly columnsFor = (engine: HnswEngine): FilterColumns => this.filters.columnsFor(engine, this.slots);

  /**
   * Runs a search; with a function filter, which the engine calls back mid-search, the index refuses
   * writes and searches from inside it (LOCKED): they would change or reuse what the search is using.
   */
  private filtering<T>(what: string, params: SearchParams, run: () => T): T {
    if (this.inFilter) throw new MemvecError('LOCKED', `cannot ${what} from inside a search's filter function`);
    if (params.filter?.kind !== 'function') return run();
    this.inFilter = true;
    try {
      return run();
    } finally {
      this.inFilter = false;
    }
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
    this.live();
    return (await this.refresher?.()) ?? false;
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
    this.live();
    const file = this.fileOf;
    if (file === null) throw new MemvecError('INVALID_ARGUMENT', 'changesSince reads the file of a persistent index (HnswIndex.open); this index lives in memory');
    if (cursor !== undefined) {
      const read = await readChanges<M>(file.backend, file.path, this.dimension, decodeCursor(cursor));
      if (read !== null) return { cursor: encodeCursor(read.cursor), changes: read.changes };
    }
    const reset = await HnswIndex.open<M>(file.path, { readOnly: true, backend: file.backend });
    const journal = reset.journal;
    if (!(journal instanceof IndexReader)) {
      reset.close();
      throw new MemvecError('INTERNAL', 'a read-only open did not give a reader');
    }
    return { cursor: encodeCursor(journal.cursor()), changes: [], reset };
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
  async compact(options?: HnswProgressOptions): Promise<{ reclaimed: number }> {
    const engine = this.writable('compact');
    const opts = checkOptionKeys(options, PROGRESS_OPTIONS, 'compact options');
    checkProgress(opts);
    checkSignal(opts.signal);
    const reclaimed = engine.count() - this.slots.keyToSlot.size;
    if (reclaimed === 0) {
      opts.onProgress?.(0, 0);
      return { reclaimed: 0 };
    }
    this.busy = 'compact';
    try {
      const isOpen = (): boolean => this.engine !== null;
      const fresh = await rebuild(engine, this.slots, this, this.seed, isOpen, opts);
      const stillWanted = (): void => {
        if (!isOpen()) throw new MemvecError('CLOSED', 'the index was closed during compact');
        checkSignal(opts.signal);
      };
      stillWanted();
      // The file first, as for every write: memory never runs ahead of it.
      await this.journal?.rewrite(() => snapshotOf(fresh.engine, this, fresh.table), fresh.table.orderedSlots, stillWanted);
      if (!isOpen()) throw new MemvecError('CLOSED', 'the index was closed during compact');
      this.engine = fresh.engine;
      this.slots = fresh.table;
    } finally {
      if (this.busy === 'compact') this.busy = null;
    }
    return { reclaimed };
  }

  /** The k nearest entries to `query`, best first. */
  search(query: VectorInput, k: number, options?: HnswSearchOptions<M>): HnswSearchResult<M>[] {
    this.live();
    const q = queryRow(query, this.dimension, this.metric);
    checkInt(k, 'k', 1);
    const params = checkSearchOptions(options as HnswSearchOptions | undefined, this.efSearch);
    return this.filtering('search', params, () => searchGraph(() => this.live(), this.slots, this.metric, q, k, params, this.columnsFor)) as HnswSearchResult<M>[];
  }

  /**
   * Writes a snapshot to `path` atomically: a temporary file in the same backend, synced, then renamed
   * over the target, so a crash leaves the old file or the new one.
   */
  async save(path: string, options?: HnswSaveOptions): Promise<void> {
    this.writable('save', false);
    checkPath(path);
    if (path === this.journal?.path) {
      // Renaming a snapshot over the open file would cut the index off from where it commits.
      throw new MemvecError('LOCKED', `${path} is this index's own file, open for writing: save a snapshot to another path`);
    }
    const opts = checkOptionKeys(options, SAVE_OPTIONS, 'save options');
    const backend = await resolveBackend(opts.backend);
    // The index is checked again once the file is open: it may have closed or locked meanwhile.
    await saveSnapshotFile(backend, path, () => snapshotOf(this.writable('save', false), this, this.slots));
  }

  /**
   * Persistent index: writes the current state as a fresh snapshot inside its file and empties the
   * log, so the next open loads it instead of replaying writes. It also happens on its own as the log
   * grows, and every write is durable without it. Runs synchronously once started. An index from
   * create() or load() has no file: nothing to do.
   */
  async checkpoint(): Promise<void> {
    this.writable('checkpoint');
    this.journal?.checkpoint();
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
      return await HnswIndex.loadFrom<M>(file, opts);
    } finally {
      file.close();
    }
  }

  private static async loadFrom<M>(file: StorageFile, opts: HnswProgressOptions): Promise<HnswIndex<M>> {
    const { engine, config, table } = await readSnapshot(file, opts);
    return new HnswIndex<M>(engine, config, table);
  }

  /**
   * Releases the engine's memory, and the file (and its write lock) of a persistent index: every write
   * was durable already, so closing is never needed to keep data. Idempotent; every other method then
   * throws CLOSED.
   */
  close(): void {
    const journal = this.journal;
    this.journal = null;
    this.refresher = null;
    journal?.close();
    this.engine = null;
    this.batchBuffers = null;
    this.busy = null;
    this.filters.reset();
    this.slots.keyToSlot.clear();
    this.slots.slotKey.length = 0;
    this.slots.slotMeta.length = 0;
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
