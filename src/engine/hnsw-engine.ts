/**
 * The typed binding to the engine's HNSW part (assembly/hnsw.ts, hnsw-store.ts, hnsw-tx.ts,
 * hnsw-reorder.ts): the only code that calls its exports. It turns statuses into MemvecErrors (status.ts),
 * reads the engine's u32 results as unsigned (they cross as signed i32), and does the pointer
 * arithmetic, so the helpers in src/hnsw/ speak slots, vectors and counts, never addresses.
 *
 * The hot path (search) makes the same engine calls as before this binding and allocates nothing: the
 * query scratch never moves after init, so its address is read once; result positions are left in
 * fields instead of a returned object.
 */
import type { EngineExports } from './abi.js';
import { type ElementType, F32, vectorBytes } from './element-type.js';
import { Engine, JOBS } from './engine.js';
import { FILTER } from '../filter/program-codes.js';
import type { Gang } from '../threads/gang.js';
import { Originals } from './originals.js';
import { WasmBuffer } from './wasm-buffer.js';
import { check, statusError, ST_CAPACITY } from './status.js';

/** What hnswInit takes: metric is an engine id (metrics.ts), the seed a u64 as two u32 halves. */
export interface HnswEngineConfig {
  dimension: number;
  metric: number;
  M: number;
  efConstruction: number;
  seedLo: number;
  seedHi: number;
  /** How vectors are stored (default f32). */
  element?: ElementType;
  /** Keep the f32 originals of a quantized index (originals.ts), for the exact rerank and get(). */
  originals?: boolean;
  /** Threads for parallel calls (Engine.create): default every core, 1 for the single-threaded build. */
  threads?: number;
}

/** The graph's counters, as a snapshot stores them and a load restores them. */
export interface HnswGraphState {
  slots: number;
  poolBlocks: number;
  /** 0xFFFFFFFF when empty. */
  entryPoint: number;
  /** -1 when empty. */
  maxLevel: number;
  rngLo: number;
  rngHi: number;
}

/** searchBatch's engine buffers, kept by the caller between batches (they only grow). */
export interface BatchBufferSet {
  readonly queries: WasmBuffer;
  readonly ids: WasmBuffer;
  readonly dists: WasmBuffer;
  readonly counts: WasmBuffer;
}

/** The engine's per-slot arrays of fixed width (flat: one block each). */
export type FlatArray = 'norms' | 'levels' | 'upperOffsets' | 'pool' | 'flags';
/** The engine's per-slot arrays stored in chunks (contiguous within a chunk of hnswChunkSlots slots). */
export type ChunkedArray = 'vectors' | 'links0';

/** searchBatch goes parallel from this many queries: below, waking workers costs more than it saves. */
const PARALLEL_MIN_QUERIES = 32;
const JOB_SEARCH = JOBS.indexOf('hnswSearchBatchPart');
const JOB_INSERT = JOBS.indexOf('hnswParallelInsert');

export class HnswEngine {
  private readonly x: EngineExports;
  /** f32 index of the query scratch: allocated at init, it never moves. */
  private readonly queryAt: number;
  /** Searches with max(k, ef) up to this need no hnswReserveSearch first (the context's result room). */
  private searchRoom = 0;
  /** After search(): u32 index of its result ids, f32 index of its distances (valid until the next call). */
  resultIdsAt = 0;
  resultDistsAt = 0;
  /** The installed filter program and its evaluation stack (useProgram): reused, only grown. */
  private readonly programBuffer: WasmBuffer;
  private readonly stackBuffer: WasmBuffer;
  /** Bytes of the installed program's evaluation stack: a parallel batch gives each thread one. */
  private stackBytes = 0;
  /** Bytes of one stored code. */
  private readonly codeBytes: number;
  /** Where originals are copied in for a rescore, and where a decoded code lands: reused, only grown. */
  private readonly rescoreBuffer: WasmBuffer;
  /** A parallel job's claim counter (one u32). */
  private readonly claim: WasmBuffer;
  /** The header of the current parallel insert round (beginRound). */
  private round = 0;

  private constructor(
    /** The instance and its memory views (for WasmBuffers and reading results). */
    readonly engine: Engine,
    readonly dimension: number,
    /** How the engine stores vectors. */
    readonly element: ElementType,
    /** The f32 originals of a quantized index, outside engine memory; null for f32 or without rerank. */
    readonly originals: Originals | null,
  ) {
    this.x = engine.exports;
    this.queryAt = (this.x.hnswQueryPtr() >>> 0) >>> 2;
    this.programBuffer = new WasmBuffer(engine, 'a filter program');
    this.stackBuffer = new WasmBuffer(engine, 'a filter program');
    this.rescoreBuffer = new WasmBuffer(engine, 'the rerank candidates');
    this.claim = new WasmBuffer(engine, 'a parallel job');
    this.codeBytes = vectorBytes(dimension, element);
  }

  /** A fresh engine instance holding an empty index; `what` names the call in errors. */
  static async create(config: HnswEngineConfig, what: string): Promise<HnswEngine> {
    const engine = await Engine.create(config.threads);
    const { dimension, metric, M, efConstruction, seedLo, seedHi, element = F32 } = config;
    check(engine.exports.hnswInit(dimension, metric, M, efConstruction, seedLo, seedHi, element.id), what);
    const originals = element !== F32 && config.originals === true ? new Originals(dimension) : null;
    return new HnswEngine(engine, dimension, element, originals);
  }

  /** Bytes of linear memory in use now. */
  get memoryBytes(): number {
    return this.engine.memoryBytes;
  }

  // ---- counters --------------------------------------------------------------------------------

  /** Slots in use (committed, plus those an open transaction appended). */
  count(): number {
    return this.x.hnswCount() >>> 0;
  }

  graphState(): HnswGraphState {
    const x = this.x;
    return {
      slots: x.hnswCount() >>> 0,
      poolBlocks: x.hnswPoolUsed() >>> 0,
      entryPoint: x.hnswEntryPoint() >>> 0,
      maxLevel: x.hnswMaxLevel(),
      rngLo: x.hnswRngLo() >>> 0,
      rngHi: x.hnswRngHi() >>> 0,
    };
  }

  /** The level generator's state as [lo, hi] u32 halves. */
  rng(): [lo: number, hi: number] {
    return [this.x.hnswRngLo() >>> 0, this.x.hnswRngHi() >>> 0];
  }

  /** Slots per chunk of the vector and layer-0 arrays. */
  chunkSlots(): number {
    return this.x.hnswChunkSlots() >>> 0;
  }

  /** The ceiling linear memory may grow to, in 64 KiB pages. */
  memoryLimitPages(): number {
    return this.x.hnswMemoryLimitPages();
  }

  /** Test hook: caps linear memory at `pages` of 64 KiB, so CAPACITY paths can be tested. */
  setMemoryLimitPages(pages: number): void {
    this.x.hnswSetMemoryLimitPages(pages);
  }

  // ---- vectors -----------------------------------------------------------------------------------

  /**
   * A copy of the vector at `slot` as an f32 index stores it (for cosine: unit length): the original
   * where the index keeps originals, else its code decoded.
   */
  readVector(slot: number): Float32Array {
    if (this.originals !== null) return this.originals.get(slot).slice();
    if (this.element === F32) {
      // The code is the vector: a straight copy, no decode through a buffer.
      const at = (this.x.hnswVecPtr(slot) >>> 0) >>> 2;
      return this.engine.f32.slice(at, at + this.dimension);
    }
    const dst = this.rescoreBuffer.ensure(this.dimension * 4);
    this.x.hnswDecode(slot, dst);
    return this.engine.f32.slice(dst >>> 2, (dst >>> 2) + this.dimension);
  }

  /** A copy of the code stored at `slot`, exactly as the engine holds it. */
  storedCode(slot: number): Uint8Array {
    const at = this.x.hnswVecPtr(slot) >>> 0;
    return this.engine.u8.slice(at, at + this.codeBytes);
  }

  /** The norm stored with `slot`'s vector (its length before cosine normalized it). */
  storedNorm(slot: number): number {
    return this.engine.f32[((this.x.hnswNormsPtr() >>> 0) >>> 2) + slot]!;
  }

  /** True if `slot` is marked deleted. */
  isDeleted(slot: number): boolean {
    return this.engine.u8[(this.x.hnswFlagsPtr() >>> 0) + slot] !== 0;
  }

  // ---- inserts and deletes (transactions) ------------------------------------------------------

  /** Room for `n` more slots; throws CAPACITY (`what` says what failed). */
  reserve(n: number, what: string): void {
    check(this.x.hnswReserve(n), what);
  }

  txBegin(): void {
    this.x.hnswTxBegin();
  }

  txCommit(): void {
    this.x.hnswTxCommit();
  }

  /** Restores the graph, counters and RNG to txBegin; slots appended since are forgotten. */
  txRollback(): void {
    this.x.hnswTxRollback();
  }

  /** Writes `vector` (f32) for the next free slot (reserved first), for insert(); returns that slot. */
  writeNext(vector: Float32Array): number {
    const slot = this.count();
    this.engine.f32.set(vector, (this.x.hnswStagePtr(slot) >>> 0) >>> 2);
    return slot;
  }

  /**
   * Writes a code exactly as storedCode gave it into the next free slot (reserved first), for insert()
   * with its stored norm; returns that slot.
   */
  writeStored(code: Uint8Array): number {
    const slot = this.count();
    this.engine.u8.set(code, this.x.hnswVecPtr(slot) >>> 0);
    return slot;
  }

  /**
   * Links the vector written by writeNext into the graph (normalizing it for cosine and encoding it),
   * or, with `stored`, the code written by writeStored: its stored norm, and its original where the
   * index keeps originals. Returns its slot; throws CAPACITY.
   */
  insert(what: string, stored?: { norm: number; original: Float32Array | null }): number {
    const got = stored === undefined ? this.x.hnswInsert() : this.x.hnswInsertStored(stored.norm);
    if (got < 0) throw statusError(got, what);
    // The engine left the vector it encoded (normalized for cosine) where writeNext put it.
    if (this.originals !== null) this.keepOriginal(got, stored === undefined ? undefined : stored.original, this.x.hnswStagePtr(got));
    return got;
  }

  /**
   * Keeps `slot`'s original (an index with originals): a stored insert's `original` as given, else
   * (undefined) the f32 vector the engine encoded, at byte `staged`.
   */
  private keepOriginal(slot: number, original: Float32Array | null | undefined, staged: number): void {
    if (original === undefined) {
      const at = (staged >>> 0) >>> 2;
      this.originals!.set(slot, this.engine.f32.subarray(at, at + this.dimension));
    } else {
      if (original === null) throw new RangeError('a stored insert into an index with originals needs its original');
      this.originals!.set(slot, original);
    }
  }

  /** Marks (on) or clears a live slot as replaced by the open transaction; false if it is deleted. */
  setReplaced(slot: number, on: boolean): boolean {
    return this.x.hnswSetReplaced(slot, on ? 1 : 0) === 0;
  }

  markDeleted(slot: number): void {
    check(this.x.hnswMarkDeleted(slot), `deleting slot ${slot}`);
  }

  /**
   * Renumbers slots [base, count) for locality. Returns the new slot -> old slot map of the range, or
   * null when the engine skipped it (it never fails a call).
   */
  reorder(base: number): Uint32Array | null {
    const x = this.x;
    if (x.hnswReorder(base) !== 0) return null;
    const at = (x.hnswReorderMapPtr() >>> 0) >>> 2;
    const map = this.engine.u32.slice(at, at + this.count() - base);
    x.hnswReorderRelease();
    this.originals?.permute(base, map);
    return map;
  }

  // ---- filters -----------------------------------------------------------------------------------

  /**
   * Installs an object filter's program (src/filter/program.ts) for the next FILTER_PROGRAM search or
   * filterAll; it stays installed until the next one (its column pointers must still be current).
   */
  useProgram(bytes: Uint8Array, count: number, stackBytes: number): void {
    const prog = this.programBuffer.ensure(bytes.byteLength);
    const stack = this.stackBuffer.ensure(stackBytes);
    this.stackBytes = stackBytes;
    this.engine.u8.set(bytes, prog);
    this.x.filterUse(prog, count, stack);
  }

  /** The function a FILTER_HOST search calls back for each slot it reaches; null once it is done. */
  setHostFilter(filter: ((slot: number) => boolean) | null): void {
    this.engine.setHostFilter(filter);
  }

  /** Evaluates the installed program for every live committed slot; returns the slots that pass, ascending. */
  filterAll(): number[] {
    const n = this.x.hnswFilterAll() >>> 0;
    const out = new Array<number>(n);
    if (n === 0) return out;
    const base = this.x.hnswAllowPtr() >>> 0;
    const u8 = this.engine.u8;
    for (let slot = 0, i = 0; i < n; slot++) if (u8[base + slot] === 1) out[i++] = slot;
    return out;
  }

  // ---- search ------------------------------------------------------------------------------------

  /**
   * k-nearest search for `query`; returns how many results, which are left at resultIdsAt (u32 slots)
   * and resultDistsAt (f32 distances, nearest first). `filtered` (FILTER in src/filter/program-codes.ts):
   * PROGRAM the installed program's matches, HOST the host filter's, both evaluated only for the slots
   * the search reaches.
   */
  search(query: Float32Array, k: number, ef: number, filtered: number): number {
    const x = this.x;
    this.reserveSearch(k, ef);
    this.engine.f32.set(query, this.queryAt);
    const n = x.hnswSearch(k, ef, filtered);
    if (n < 0) throw statusError(n, 'searching');
    this.resultIdsAt = (x.hnswOutIdsPtr() >>> 0) >>> 2;
    this.resultDistsAt = (x.hnswOutDistsPtr() >>> 0) >>> 2;
    return n;
  }

  /**
   * searchBatch: `n` queries back to back in `data`, one engine call, through the caller's reusable
   * buffers. Returns view indices: query i's count is u32[countsAt + i], its results start at
   * u32[idsAt + i·k] and f32[distsAt + i·k].
   */
  searchBatch(
    data: Float32Array, n: number, k: number, ef: number, filtered: number, buffers: BatchBufferSet, threads = 1,
  ): { idsAt: number; distsAt: number; countsAt: number; queriesPtr: number } {
    // Every buffer is sized first: each may grow memory, and the views below must come after.
    this.reserveSearch(k, ef);
    const queries = buffers.queries.ensure(data.byteLength);
    const ids = buffers.ids.ensure(n * k * 4);
    const dists = buffers.dists.ensure(n * k * 4);
    const counts = buffers.counts.ensure(n * 4);
    // A function filter (FILTER.HOST) calls back into JS, which only the calling thread can run.
    const gang = filtered !== FILTER.HOST && n >= PARALLEL_MIN_QUERIES ? this.engine.workers(threads) : null;
    const job = gang === null ? null : this.prepareThreads(gang, threads, k, ef, filtered);
    this.engine.f32.set(data, queries >>> 2);
    const st = gang === null || job === null
      ? this.x.hnswSearchBatch(queries, n, k, ef, filtered, ids, dists, counts)
      : Math.min(...gang.run(JOB_SEARCH, threads - 1, [job.state, job.claim, queries, n, k, ef, filtered, ids, dists, counts],
        () => this.x.hnswSearchBatchPart(0, 0, job.claim, queries, n, k, ef, filtered, ids, dists, counts)));
    if (st < 0) throw statusError(st, `searching ${n} queries`);
    return { idsAt: ids >>> 2, distsAt: dists >>> 2, countsAt: counts >>> 2, queriesPtr: queries };
  }

  /**
   * Before a parallel call: each worker's context (made, with result room for this k and ef), the
   * job's claim counter (zeroed), a search's filter begun with an evaluation stack per thread, and the
   * owner's state saved for the workers to adopt. Returns the counter's and the state block's
   * addresses. Everything here may allocate, so it runs before any view is taken.
   */
  private prepareThreads(gang: Gang, threads: number, k: number, ef: number, filtered = FILTER.NONE as number): { claim: number; state: number } {
    const workers = Math.min(threads - 1, gang.ready);
    for (let t = 1; t <= workers; t++) check(this.x.hnswThreadReserve(t, k, ef), 'preparing worker threads');
    if (filtered === FILTER.PROGRAM) this.x.filterStacks(this.stackBuffer.ensure(this.stackBytes * (workers + 1)), this.stackBytes);
    if (filtered !== FILTER.NONE) check(this.x.hnswBeginFilter(filtered), 'beginning a filtered search');
    const claim = this.claim.ensure(4);
    const state = this.x.hnswThreadState() >>> 0;
    if (state === 0) throw statusError(ST_CAPACITY, 'preparing worker threads');
    this.engine.u32[claim >>> 2] = 0;
    return { claim, state };
  }

  // ---- parallel inserts (assembly/hnsw-parallel.ts) ------------------------------------------------

  /**
   * Starts a round of `rows` inserts on several threads inside the open transaction (slots reserved):
   * levels drawn, slots placed. Write each row with writeRoundRow / writeRoundStored, then runRound.
   * Returns the round's first slot; throws CAPACITY having changed nothing.
   */
  beginRound(rows: number, stored: boolean, what: string): number {
    const first = this.count();
    const r = this.x.hnswParallelBegin(rows, stored ? 1 : 0);
    if (r < 0) throw statusError(r, what);
    this.round = r >>> 0;
    return first;
  }

  /** Row i's f32 vector, for the current round. */
  writeRoundRow(i: number, vector: Float32Array): void {
    this.engine.f32.set(vector, (this.x.hnswParallelRowPtr(this.round, i) >>> 0) >>> 2);
  }

  /** Row i as stored (code, norm), for a stored round (compaction). */
  writeRoundStored(i: number, slot: number, code: Uint8Array, norm: number): void {
    this.engine.u8.set(code, this.x.hnswVecPtr(slot) >>> 0);
    this.engine.f32[(this.x.hnswParallelNormPtr(this.round, i) >>> 0) >>> 2] = norm;
  }

  /**
   * Links the round's rows on `threads` threads (the caller's included). A failure (CAPACITY) throws
   * after every thread stopped; roll the transaction back then. `originals` (stored rounds of an index
   * with originals): row i's original; else the rows' staged vectors become the originals.
   */
  runRound(gang: Gang, threads: number, first: number, rows: number, what: string, originals?: ReadonlyArray<Float32Array | null>): void {
    const round = this.round;
    // Saves the state after beginRound placed the round's slots: the workers adopt the new count.
    this.prepareThreads(gang, threads, 1, 1);
    let statuses: number[];
    try {
      statuses = gang.run(JOB_INSERT, threads - 1, [round], () => this.x.hnswParallelInsert(0, round));
    } finally {
      // Even after a thread threw: the undo log's length the threads reached is what a rollback needs.
      this.x.hnswParallelEnd(round);
    }
    const st = Math.min(...statuses);
    if (st < 0) throw statusError(st, what);
    if (this.originals === null) return;
    // The engine normalized (cosine) each staged vector in place before encoding it.
    for (let i = 0; i < rows; i++) {
      this.keepOriginal(first + i, originals === undefined ? undefined : originals[i] ?? null, this.x.hnswParallelRowPtr(round, i));
    }
  }

  /**
   * Grows the search context's result room when k or ef outgrow it, before the search: the engine's
   * search never allocates. Usually no call at all (one only after k or ef grew past every earlier
   * one, or while ef exceeds the slots, which the engine clamps it to).
   */
  private reserveSearch(k: number, ef: number): void {
    if (Math.max(k, ef) <= this.searchRoom) return;
    const room = this.x.hnswReserveSearch(k, ef);
    if (room < 0) throw statusError(room, 'searching');
    this.searchRoom = room;
  }

  /**
   * The exact rerank (assembly/hnsw-codes.ts hnswRerank): rescores `n` results (u32 slots at index
   * `idsAt`, f32 distances at index `distsAt`) with the originals against the query (0: the last
   * search's; else the f32 query at byte `queryPtr`) and leaves the best `k` there, nearest first.
   * Returns how many; without originals, min(n, k) unchanged.
   */
  rerank(queryPtr: number, idsAt: number, distsAt: number, n: number, k: number): number {
    const originals = this.originals;
    if (originals === null || n === 0) return Math.min(n, k);
    const dim = this.dimension;
    const buf = this.rescoreBuffer.ensure(n * dim * 4);
    // Views after the ensure, which may have grown memory.
    const f32 = this.engine.f32;
    const u32 = this.engine.u32;
    for (let i = 0; i < n; i++) f32.set(originals.get(u32[idsAt + i]!), (buf >>> 2) + i * dim);
    const m = this.x.hnswRerank(queryPtr, buf, idsAt * 4, distsAt * 4, n, k);
    if (m < 0) throw statusError(m, 'reranking');
    return m;
  }

  // ---- snapshots ---------------------------------------------------------------------------------

  /** Before a load into this fresh engine: room for `slots` slots and `blocks` upper-layer blocks. */
  loadReserve(slots: number, blocks: number): void {
    check(this.x.hnswLoadReserve(slots, blocks), `loading an index of ${slots} vectors`);
  }

  /** After the arrays are copied in: the engine validates the graph (CORRUPT_FILE) and adopts `state`. */
  loadFinish(state: HnswGraphState): void {
    const { slots, poolBlocks, entryPoint, maxLevel, rngLo, rngHi } = state;
    check(this.x.hnswLoadFinish(slots, poolBlocks, entryPoint, maxLevel, rngLo, rngHi), 'loading the index');
  }

  /** A view of the first `bytes` of a flat array, valid until the engine next allocates. */
  flatBytes(array: FlatArray, bytes: number): Uint8Array {
    const x = this.x;
    const ptr = (array === 'norms' ? x.hnswNormsPtr() : array === 'levels' ? x.hnswLevelsPtr()
      : array === 'upperOffsets' ? x.hnswUpperOffsetsPtr() : array === 'pool' ? x.hnswPoolPtr() : x.hnswFlagsPtr()) >>> 0;
    return this.engine.u8.subarray(ptr, ptr + bytes);
  }

  /**
   * The byte ranges of a chunked array for slots [0, slots): one contiguous view per engine chunk,
   * each valid until the engine next allocates.
   */
  *chunkedBytes(array: ChunkedArray, slots: number, M: number): Generator<Uint8Array> {
    const x = this.x;
    const bytesPerSlot = array === 'vectors' ? this.codeBytes : (1 + 2 * M) * 4;
    const chunk = this.chunkSlots();
    for (let s = 0; s < slots; ) {
      const run = Math.min(slots - s, chunk - (s % chunk));
      const ptr = (array === 'vectors' ? x.hnswVecPtr(s) : x.hnswLink0Ptr(s)) >>> 0;
      yield this.engine.u8.subarray(ptr, ptr + run * bytesPerSlot);
      s += run;
    }
  }
}
