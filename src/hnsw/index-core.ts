/**
 * The state of one HNSW index: the engine binding (graph and vectors in WASM memory), the slot table
 * (keys and metadata in JS), the options it keeps, the write lock, the journal of a persistent index,
 * the level generator's seed, and why it closed. HnswIndex (src/hnsw-index.ts) is a public facade over
 * one core; the work is in the helpers beside this file, which take the core as their first argument
 * (writes.ts, batch.ts, compact.ts, search.ts, search-batch.ts, open-file.ts, index-file.ts,
 * index-reader.ts, log-replay.ts). This file imports none of them: it holds the state and the few
 * operations every helper shares (live, writable, close, and the swaps a refresh or compact makes).
 *
 * The fields are plain and mutable for those helpers; nothing outside src/hnsw/ and the facade sees a core.
 */
import { HnswEngine } from '../engine/hnsw-engine.js';
import { MemvecError } from '../errors.js';
import type { BackendName, StorageBackend, StorageFile } from '../storage/types.js';
import type { FilterColumns } from '../filter/columns.js';
import type { BatchBuffers } from './batch-buffers.js';
import { FilterState } from './filter-state.js';
import type { Journal } from './journal.js';
import { emptySlotTable, type SlotTable } from './slot-table.js';
import { readSnapshot, type Snapshot, snapshotOf } from './snapshot-io.js';
import type { HnswProgressOptions } from './types.js';
import { checkLookupKey, type Config, engineConfig, keptConfig } from './validate.js';

export class IndexCore {
  /** The options the index keeps for its life (a compact or refresh keeps them too). */
  readonly config: Config;
  /** null once closed (and, for a moment, in a core whose engine another adopted). */
  engine: HnswEngine | null;
  /** Key and metadata of every slot, and the key -> slot map. */
  slots: SlotTable;
  /**
   * The level generator's seed, where known (create, open): compact() restarts the generator from it,
   * so a compacted index is the fresh index of its entries. null after load(): a snapshot keeps the
   * generator's state, not its seed.
   */
  seed: number | null;
  /** searchBatch's engine buffers, kept between calls; null until the first batch. */
  batchBuffers: BatchBuffers | null = null;
  /** The long write in progress (it holds the write lock), if any. */
  busy: string | null = null;
  /** The file of an index from open(); null for create() and load() (and while a refresh replays). */
  journal: Journal | null = null;
  /** The file's refresh, kept apart from `journal`, which a refresh detaches while it replays. */
  refresher: (() => Promise<boolean>) | null = null;
  /** Why the index closed itself (a failed write to its file), for the CLOSED errors that follow. */
  closedBy: unknown = undefined;
  backendName: BackendName | null = null;
  /** Where changesSince reads: the file of an index from open() (kept while a refresh detaches `journal`). */
  fileOf: { backend: StorageBackend; path: string } | null = null;
  /** A search's function filter is running (the engine called it back): it may read, not write or search. */
  inFilter = false;
  /** The filter columns object filters run on, made when first needed (filter-state.ts). */
  private readonly filters = new FilterState();

  constructor(engine: HnswEngine, config: Config, slots: SlotTable = emptySlotTable(), seed: number | null = null) {
    this.engine = engine;
    // Only the kept fields: `config` may be checkOptions' result, which carries the seed too.
    this.config = keptConfig(config);
    this.slots = slots;
    this.seed = seed;
  }

  /** A new, empty index with checked options. */
  static async create(config: Config & { seed: number }): Promise<IndexCore> {
    const engine = await HnswEngine.create(engineConfig(config, config.seed % 2 ** 32, Math.floor(config.seed / 2 ** 32)), 'creating the index');
    return new IndexCore(engine, config, emptySlotTable(), config.seed);
  }

  /** The index a snapshot holds (validated by readSnapshot before the engine uses it). */
  static async load(file: StorageFile, opts: HnswProgressOptions & { threads?: number | undefined }, originalsInFile = false): Promise<IndexCore> {
    const { engine, config, table } = await readSnapshot(file, opts, originalsInFile);
    return new IndexCore(engine, config, table);
  }

  /** The engine, or CLOSED (saying why, if the index closed itself). */
  live(): HnswEngine {
    if (this.engine === null) {
      const cause = this.closedBy;
      if (cause === undefined) throw new MemvecError('CLOSED', 'the index is closed');
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new MemvecError('CLOSED', `the index closed itself after a failed write to its file (${detail})`, { cause });
    }
    return this.engine;
  }

  isOpen(): boolean {
    return this.engine !== null;
  }

  /** The filter columns of `engine` (this core's) and its slots, current. */
  columnsFor(engine: HnswEngine): FilterColumns {
    return this.filters.columnsFor(engine, this.slots);
  }

  /**
   * LOCKED from inside a search's function filter: a write would change the graph the search is
   * walking, and a search or a filtered count would reuse the scratch and the filter memo it is using.
   */
  notInFilter(what: string): void {
    if (this.inFilter) throw new MemvecError('LOCKED', `cannot ${what} from inside a search's filter function`);
  }

  /** The engine, if a write may start now; `logged` writes (not save) also need a writable file. */
  writable(what: string, logged = true): HnswEngine {
    this.notInFilter(what);
    const engine = this.live();
    if (this.busy !== null) {
      throw new MemvecError('LOCKED', `cannot ${what} while a ${this.busy} is in progress on this index`);
    }
    if (logged) this.journal?.checkWritable();
    return engine;
  }

  has(key: string): boolean {
    this.live();
    return this.slots.keyToSlot.has(checkLookupKey(key));
  }

  /** The index as it is now, as a snapshot (save, checkpoints, a new file). */
  snapshot(): Snapshot {
    return snapshotOf(this.live(), this.config, this.slots);
  }

  /** Makes this core a persistent index's: `journal` commits its writes (or, for a reader, refreshes it). */
  attach(journal: Journal, backend: BackendName): void {
    this.journal = journal;
    this.backendName = backend;
    this.seed = journal.seed;
    this.refresher = () => journal.refresh();
    this.fileOf = { backend: journal.backend, path: journal.path };
  }

  /** A write to the file failed with its outcome unknown: the index closes itself, remembering why. */
  fail(err: unknown): void {
    this.close();
    this.closedBy = err;
  }

  /** Runs `replay` with the journal detached, so replayed writes are not refused or logged. */
  async replaying(replay: () => Promise<void>): Promise<void> {
    const journal = this.journal;
    this.journal = null;
    try {
      await replay();
    } finally {
      // close() during the replay could not reach the detached journal: close it here.
      if (this.engine === null) journal?.close();
      else this.journal = journal;
    }
  }

  /** Moves `fresh`'s engine and entries into this core (whose old ones are released), closing `fresh`. */
  adopt(fresh: IndexCore): void {
    this.engine?.engine.close();
    this.engine = fresh.engine;
    this.slots = fresh.slots;
    this.batchBuffers = null;
    fresh.engine = null;
    fresh.slots = emptySlotTable();
    fresh.close();
  }

  /**
   * Releases the engine's memory, and the file (and its write lock) of a persistent index.
   * Idempotent; every other call then throws CLOSED.
   */
  close(): void {
    const journal = this.journal;
    this.journal = null;
    this.refresher = null;
    journal?.close();
    // Its worker threads stop now; the memory goes with the last reference.
    this.engine?.engine.close();
    this.engine = null;
    this.batchBuffers = null;
    this.busy = null;
    this.filters.reset();
    this.slots.keyToSlot.clear();
    this.slots.slotKey.length = 0;
    this.slots.slotMeta.length = 0;
  }
}
