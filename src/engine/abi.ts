/**
 * The exports of the WASM engine (assembly/), as the facade sees them. Pointers are byte offsets into
 * the engine's linear memory; vectors are `dim` consecutive little-endian f32. Engine functions return
 * status codes, never throw: the facade turns statuses into MemvecErrors.
 */

/** Metric ids shared with assembly/kernels.ts. */
export const METRIC_COSINE = 0;
export const METRIC_EUCLIDEAN = 1;
export const METRIC_DOT = 2;

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

  // assembly/topk.ts: one bounded min-heap per instance, keeping the k best (id, score) with score >= minScore.
  /** Returns 0, or 1 if k is out of range (k < 1 or the heap cannot be allocated). */
  topkReset(k: number, minScore: number): number;
  topkCount(): number;
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
}
