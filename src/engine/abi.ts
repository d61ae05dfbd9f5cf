/**
 * The exports of the WASM engine (assembly/), as the facade sees them. Pointers are byte offsets into
 * the engine's linear memory; vectors are `dim` consecutive little-endian f32. Engine functions return
 * status codes, never throw: the facade turns statuses into MemvecErrors.
 */

import { F16, F32, I8 } from './element-type.js';
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from './metrics.js';
import { ST_CAPACITY, ST_CORRUPT, ST_INVALID, ST_OK } from './status.js';
import { MAX_DIMENSION, MAX_EF, MAX_LEVEL, MAX_M, MAX_TOP_K, MIN_M } from '../limits.js';
import { FILTER, OP, RECORD_BYTES, TAG } from '../filter/program-codes.js';

export interface EngineExports {
  readonly memory: WebAssembly.Memory;

  // assembly/memory.ts: unmanaged, 16-byte aligned blocks.
  alloc(bytes: number): number;
  free(ptr: number): void;

  // assembly/kernels.ts: SIMD f32 kernels for any dimension (tails handled).
  dot(a: number, b: number, dim: number): number;
  l2sq(a: number, b: number, dim: number): number;
  /** Cosine similarity; 0 when either vector is all zeros. */
  cosine(a: number, b: number, dim: number): number;
  normSq(a: number, dim: number): number;
  /** Scales `a` to unit length in place and returns its original L2 norm (0 leaves it unchanged). */
  normalize(a: number, dim: number): number;
  /**
   * Scores one query against `count` vectors stored back to back at `block`; writes `count` f32 to
   * `out`. Score is higher-is-better: cosine similarity, negative squared L2, or dot product.
   */
  scoreBlock(metric: number, query: number, block: number, count: number, dim: number, out: number): void;

  // assembly/topk.ts: a bounded min-heap (the default TopK context), keeping the k best (id, score) with score >= minScore.
  /** Returns 0, or 1 if k is out of range (k < 1 or the heap cannot be allocated). */
  topkReset(k: number, minScore: number): number;
  /** Writes the kept entries best first (ties: lower id first) as u32 ids and f32 scores; returns how many; empties the heap. */
  topkDrain(outIds: number, outScores: number): number;

  // assembly/flat.ts: exact cosine scans that feed the top-k heap.
  /**
   * Cosine of the query against `count` vectors at `block` whose ids are baseId, baseId+1, ...;
   * vectors whose bit is set in `deletedBits` (0 = no bitmap) or that are all zeros are skipped.
   * `queryNorm` is the query's L2 norm (> 0).
   */
  flatScanCosine(query: number, queryNorm: number, block: number, count: number, dim: number, baseId: number, deletedBits: number): void;
  /** As flatScanCosine, but vector i of the block has id `ids[i]` (u32 array). */
  flatScanCosineIds(query: number, queryNorm: number, block: number, ids: number, count: number, dim: number, deletedBits: number): void;
  /**
   * A quantized store's candidate scan: codes of `kind` (ELEMENT_F16 or ELEMENT_I8) at `block`, ids
   * baseId, baseId+1, ..., scored q·x/|x| (the order of cosine, without the query's norm) into the heap;
   * deleted ids skipped. `query`: the f32 query for f16, queryCodeI8's output for i8.
   */
  flatScanCodes(kind: number, query: number, block: number, count: number, dim: number, baseId: number, deletedBits: number): void;
  /** As flatScanCodes, but code i of the block has id `ids[i]` (u32 array). */
  flatScanCodesIds(kind: number, query: number, block: number, ids: number, count: number, dim: number, deletedBits: number): void;
  /** Encodes `count` f32 vectors at `src` as codes of `kind` at `dst`, back to back. */
  flatEncode(kind: number, src: number, dst: number, count: number, dim: number): void;
  /** The query of an i8 flatScanCodes: its i8 code, then its codes as i16, at `dst` (16-byte aligned, queryCodeI8Bytes). */
  queryCodeI8(src: number, dst: number, dim: number): void;
  queryCodeI8Bytes(dim: number): number;

  // assembly/hnsw.ts (+ hnsw-store.ts, hnsw-heap.ts, hnsw-tx.ts, search-context.ts): the HNSW index, one per
  // instance; searches use its default SearchContext.
  // Statuses (src/engine/status.ts): 0 ok, -1 CAPACITY, -2 invalid argument, -3 corrupt.
  // u32 results (ids, counts, pointers) arrive as signed i32: read them with `>>> 0`.
  /** Configures an empty index; call once per instance. Limits: src/limits.ts. */
  hnswInit(dim: number, metric: number, M: number, efConstruction: number, seedLo: number, seedHi: number, kind: number): number;
  /** Room for `n` more slots, so vectors can be written at hnswVecPtr(count ...). */
  hnswReserve(n: number): number;
  /** Inserts the vector written at slot hnswCount(); returns its slot or a negative status. Call inside a transaction. */
  hnswInsert(): number;
  /** hnswInsert of a vector as the engine stores it (cosine: unit length), with its stored norm: no normalizing. */
  hnswInsertStored(norm: number): number;
  hnswTxBegin(): void;
  hnswTxCommit(): void;
  /** Restores the graph, counters and RNG to hnswTxBegin; slots appended since are forgotten. */
  hnswTxRollback(): void;
  hnswMarkDeleted(slot: number): number;
  /** Marks (on = 1) or clears a live slot as replaced by the open transaction: kept out of new links, still returned. */
  hnswSetReplaced(slot: number, on: number): number;
  /**
   * Reserves the search context's result room for searches with this k and ef (clamped as a search
   * clamps them), so that hnswSearch/hnswSearchBatch never allocate. Returns the room now reserved:
   * a search whose max(k, ef) is at most that needs no further call. Negative: a status.
   */
  hnswReserveSearch(k: number, ef: number): number;
  /**
   * Searches for the query written at hnswQueryPtr(); writes up to k (id u32, distance f32) pairs,
   * nearest first, at hnswOutIdsPtr()/hnswOutDistsPtr(); returns how many or a negative status.
   * filtered (src/filter/program-codes.ts FILTER): 0 none; 1 the program installed with filterUse, 2
   * the host's filterHost, each evaluated only for the slots the search reaches.
   */
  hnswSearch(k: number, ef: number, filtered: number): number;
  /**
   * searchBatch: `n` queries back to back at `queries` (dim f32 each), each searched as hnswSearch
   * does (one filter for all). Query i's up to k results go to idsOut/distsOut + i·k·4 bytes and
   * its count to countsOut + i·4 (u32). Returns 0 or the first negative status.
   */
  hnswSearchBatch(
    queries: number, n: number, k: number, ef: number, filtered: number,
    idsOut: number, distsOut: number, countsOut: number,
  ): number;
  /** Room for a snapshot of n slots and `blocks` upper-layer blocks, in a fresh index. */
  hnswLoadReserve(n: number, blocks: number): number;
  /** Validates the arrays copied in and adopts the counters; -3 if the graph is unsafe. */
  hnswLoadFinish(n: number, poolUsed: number, entryPoint: number, maxLevel: number, rngLo: number, rngHi: number): number;
  hnswCount(): number;
  hnswPoolUsed(): number;
  /** 0xFFFFFFFF (-1 as i32) when empty. */
  hnswEntryPoint(): number;
  hnswMaxLevel(): number;
  hnswRngLo(): number;
  hnswRngHi(): number;
  /** Vectors and layer-0 lists are contiguous within runs of this many slots (aligned to it). */
  hnswChunkSlots(): number;
  hnswVecPtr(slot: number): number;
  hnswLink0Ptr(slot: number): number;
  hnswNormsPtr(): number;
  hnswLevelsPtr(): number;
  hnswUpperOffsetsPtr(): number;
  hnswPoolPtr(): number;
  hnswFlagsPtr(): number;
  hnswAllowPtr(): number;
  hnswQueryPtr(): number;
  hnswOutIdsPtr(): number;
  hnswOutDistsPtr(): number;
  /** The ceiling linear memory may grow to, in 64 KiB pages: 65536 (4 GiB) unless a test lowered it. */
  hnswMemoryLimitPages(): number;
  /** Test hook: caps linear memory at `pages` of 64 KiB so CAPACITY paths can be tested. */
  hnswSetMemoryLimitPages(pages: number): void;
  /**
   * Renumbers slots [base, count) in breadth-first order of the graph, for memory locality; the graph
   * is the same up to the renaming. 0 = done: hnswReorderMapPtr() then holds count - base u32, the old
   * slot of each new slot from base on, until hnswReorderRelease(). Nonzero = nothing changed (fewer
   * than 2 slots, base below the open transaction's first slot, or no memory for the maps).
   */
  hnswReorder(base: number): number;
  hnswReorderMapPtr(): number;
  hnswReorderRelease(): void;
  /**
   * count / deleteMany of an object filter: evaluates the installed program (filterUse) for every live
   * committed slot, leaving 1 or 0 in its allow byte; returns how many pass.
   */
  hnswFilterAll(): number;

  // assembly/hnsw-codes.ts: the index's codes (element kinds: element-type.ts).
  /** The element kind the index was created with. */
  hnswKind(): number;
  /** Where to write the f32 vector to insert into reserved slot `slot` (the slot itself for f32); 0 if not reserved. */
  hnswStagePtr(slot: number): number;
  /** Decodes slot `slot`'s stored code to `dim` f32 at `dst`. */
  hnswDecode(slot: number, dst: number): void;
  /**
   * Rescores `n` results (u32 slots at `ids`, f32 distances at `dists`) with their f32 originals at
   * `vectors` against a query (0: the last search's) and leaves the best `k` there, nearest first;
   * returns how many, or ST_INVALID past the reserved result room.
   */
  hnswRerank(query: number, vectors: number, ids: number, dists: number, n: number, k: number): number;

  // assembly/kernels-f16.ts and kernels-i8.ts: the quantized kinds' conversions and kernels.
  encodeF16(src: number, dst: number, dim: number): void;
  decodeF16(src: number, dst: number, dim: number): void;
  dotF16(a: number, b: number, dim: number): number;
  l2sqF16(a: number, b: number, dim: number): number;
  /** a (f32) · b (f16); |b|² is then lastNormSqOut(). */
  dotAndNormSqF32F16(a: number, b: number, dim: number): number;
  lastNormSqOut(): number;
  /** Writes the 16-byte header and `dim` codes. */
  encodeI8(src: number, dst: number, dim: number): void;
  decodeI8(src: number, dst: number, dim: number): void;
  /** Dot product / squared L2 of the reconstructions of two i8 codes. */
  dotI8(a: number, b: number, dim: number): number;
  l2sqI8(a: number, b: number, dim: number): number;
  /** |reconstruction|² of the i8 code at `a` (from its header). */
  codeNormSqI8(a: number): number;

  // assembly/filter-eval.ts
  /** Installs a filter program (`count` instruction records at `prog`) and its evaluation stack (a byte per instruction). */
  filterUse(prog: number, count: number, stack: number): void;

  // Worker threads (src/threads/): the jobs every thread of a gang runs (thread 0: the owner) and their
  // owner-side setup, which does all the allocating. Exported by every build; only the threads build
  // (atomics, shared memory) does work in the jobs.
  /** assembly/topk.ts: a heap for a worker's share of a scan; resets one; merges one into the default heap. */
  topkNew(): number;
  topkResetOn(heap: number, k: number, minScore: number): number;
  topkMergeFrom(heap: number): void;
  /** assembly/flat.ts: one thread's share of a scan of `rows` at `block`, `step` rows per claim of the counter at `claim`. */
  flatScanPart(
    thread: number, heaps: number, claim: number, kind: number, query: number, queryNorm: number, block: number, rows: number,
    dim: number, baseId: number, deletedBits: number, step: number,
  ): void;
  /**
   * assembly/hnsw.ts: one thread's share of an hnswSearchBatch, queries claimed from the counter at
   * `claim`; unfiltered, or a program filter begun with hnswBeginFilter (a stack per thread: filterStacks).
   * Returns how many queries this thread searched, or a negative status.
   */
  hnswSearchBatchPart(
    thread: number, state: number, claim: number, queries: number, n: number, k: number, ef: number, filtered: number,
    idsOut: number, distsOut: number, countsOut: number,
  ): number;
  /** Before a parallel filtered batch, on the owner: starts the filter's memo (a status). */
  hnswBeginFilter(filtered: number): number;
  /** assembly/filter-eval.ts: the installed program's evaluation stacks, one per thread, `stride` bytes apart. */
  filterStacks(base: number, stride: number): void;
  /** Saves the owner's state for its workers; returns the block (0: no memory). */
  hnswThreadState(): number;
  /** Worker thread t's context (made if missing) with result room for this k and ef; a status. */
  hnswThreadReserve(t: number, k: number, ef: number): number;
  /** assembly/hnsw-parallel.ts: a round of `rows` parallel inserts; returns its header or a negative status. */
  hnswParallelBegin(rows: number, stored: number): number;
  hnswParallelRowPtr(round: number, i: number): number;
  hnswParallelNormPtr(round: number, i: number): number;
  hnswParallelInsert(thread: number, round: number): number;
  hnswParallelEnd(round: number): number;

  // assembly/abi.ts
  /** The engine's value of constant `id` (ABI_CONSTANTS below), or -2^31 for an id it does not know. */
  abiConstant(id: number): number;
}

/** Every function the engine must export: checked on load (abi-check.ts); the compiler checks the list. */
export const EXPORTED_FUNCTIONS = exportNames([
  'alloc', 'free', 'dot', 'l2sq', 'cosine', 'normSq', 'normalize', 'scoreBlock', 'topkReset', 'topkDrain',
  'flatScanCosine', 'flatScanCosineIds', 'flatScanCodes', 'flatScanCodesIds', 'flatEncode',
  'queryCodeI8', 'queryCodeI8Bytes', 'hnswInit', 'hnswReserve', 'hnswInsert', 'hnswInsertStored', 'hnswTxBegin',
  'hnswTxCommit', 'hnswTxRollback', 'hnswMarkDeleted', 'hnswSetReplaced', 'hnswReserveSearch', 'hnswSearch', 'hnswSearchBatch',
  'hnswLoadReserve', 'hnswLoadFinish', 'hnswCount', 'hnswPoolUsed', 'hnswEntryPoint', 'hnswMaxLevel', 'hnswRngLo',
  'hnswRngHi', 'hnswChunkSlots', 'hnswVecPtr', 'hnswLink0Ptr', 'hnswNormsPtr', 'hnswLevelsPtr', 'hnswUpperOffsetsPtr',
  'hnswPoolPtr', 'hnswFlagsPtr', 'hnswAllowPtr', 'hnswQueryPtr', 'hnswOutIdsPtr', 'hnswOutDistsPtr',
  'hnswMemoryLimitPages', 'hnswSetMemoryLimitPages', 'hnswReorder', 'hnswReorderMapPtr', 'hnswReorderRelease',
  'hnswFilterAll', 'hnswKind', 'hnswStagePtr', 'hnswDecode', 'hnswRerank', 'encodeF16', 'decodeF16', 'dotF16', 'l2sqF16',
  'dotAndNormSqF32F16', 'lastNormSqOut', 'encodeI8', 'decodeI8', 'dotI8', 'l2sqI8', 'codeNormSqI8', 'filterUse', 'abiConstant',
  'topkNew', 'topkResetOn', 'topkMergeFrom', 'flatScanPart', 'hnswSearchBatchPart', 'hnswThreadState', 'hnswThreadReserve',
  'hnswBeginFilter', 'filterStacks',
  'hnswParallelBegin', 'hnswParallelRowPtr', 'hnswParallelNormPtr', 'hnswParallelInsert', 'hnswParallelEnd',
]);

type FunctionName = Exclude<keyof EngineExports, 'memory'>;

/** The names, or a compile error naming the functions of EngineExports the list misses. */
function exportNames<const K extends readonly FunctionName[]>(
  names: K & ([Exclude<FunctionName, K[number]>] extends [never] ? unknown : { missing: Exclude<FunctionName, K[number]> }),
): readonly FunctionName[] {
  return names;
}

/**
 * Constants both sides must agree on, by the id abiConstant takes (assembly/abi.ts has the same ids).
 * The facade's values come from where it uses them, so a change on one side alone fails at load.
 */
export const ABI_CONSTANTS: ReadonlyArray<{ id: number; name: string; value: number }> = [
  { id: 0, name: 'ST_OK', value: ST_OK },
  { id: 1, name: 'ST_CAPACITY', value: ST_CAPACITY },
  { id: 2, name: 'ST_INVALID', value: ST_INVALID },
  { id: 3, name: 'ST_CORRUPT', value: ST_CORRUPT },
  { id: 4, name: 'METRIC_COSINE', value: METRIC_COSINE },
  { id: 5, name: 'METRIC_EUCLIDEAN', value: METRIC_EUCLIDEAN },
  { id: 6, name: 'METRIC_DOT', value: METRIC_DOT },
  { id: 7, name: 'MAX_DIMENSION', value: MAX_DIMENSION },
  { id: 8, name: 'MIN_M', value: MIN_M },
  { id: 9, name: 'MAX_M', value: MAX_M },
  { id: 10, name: 'MAX_EF', value: MAX_EF },
  { id: 11, name: 'MAX_LEVEL', value: MAX_LEVEL },
  { id: 12, name: 'MAX_TOP_K', value: MAX_TOP_K },
  { id: 13, name: 'F32_BYTES', value: F32.bytesPerElement },
  ...Object.entries(OP).map(([name, value], i) => ({ id: 14 + i, name: `OP_${name}`, value })),
  ...Object.entries(TAG).map(([name, value], i) => ({ id: 20 + i, name: `TAG_${name}`, value })),
  ...Object.entries(FILTER).map(([name, value], i) => ({ id: 25 + i, name: `FILTER_${name}`, value })),
  { id: 28, name: 'FILTER_RECORD_BYTES', value: RECORD_BYTES },
  { id: 29, name: 'ELEMENT_F32', value: F32.id },
  { id: 30, name: 'ELEMENT_F16', value: F16.id },
  { id: 31, name: 'ELEMENT_I8', value: I8.id },
  { id: 32, name: 'I8_HEADER_BYTES', value: I8.headerBytes },
];
