/**
 * HnswIndex.stats(): counts from the slot table and the engine, and an estimate of how many more
 * vectors fit before inserts fail with CAPACITY.
 */
import type { Engine } from '../engine/engine.js';
import type { HnswIndexStats } from '../hnsw-index.js';

/** Per-slot arrays outside the two big ones (hnsw-store.ts FLAT_BYTES_PER_SLOT). */
const FLAT_BYTES_PER_SLOT = 25;
/** Kept free below the ceiling: the allocator's own headers and rounding (hnsw-store.ts SLACK). */
const SLACK = 1 << 20;

/**
 * capacityLeft, explained. Each new vector costs the engine, on average:
 *   dim·4 (the vector) + (1 + 2M)·4 (its layer-0 list) + 25 (norm, level, flags and the other
 *   per-slot arrays) + (1 + M)·4/(M − 1) (upper-layer lists: levels are drawn with
 *   P(level >= l) = M^-l, so a node owns 1/(M − 1) upper blocks on average).
 * The room left is the memory ceiling (4 GiB in wasm32) minus the linear memory in use now (which
 * already includes slots reserved but not yet used, so this errs low), minus growth headroom: the
 * big arrays grow in chunks (hnswChunkSlots() slots of vectors and lists) and by doubling below one
 * chunk, and the last step needs a chunk or a doubling's worth at once. Per-slot cost and headroom
 * are known exactly; what makes it an estimate is the random level draw and the allocator's layout.
 * Metadata and keys live in JS, not in this memory, and do not count.
 */
export function capacityLeft(engine: Engine, dimension: number, M: number): number {
  const e = engine.exports;
  const dimBytes = dimension * 4;
  const link0Bytes = (1 + 2 * M) * 4;
  const perSlot = dimBytes + link0Bytes + FLAT_BYTES_PER_SLOT + ((1 + M) * 4) / (M - 1);
  const slots = e.hnswCount() >>> 0;
  const chunkSlots = e.hnswChunkSlots() >>> 0;
  const used = engine.memoryBytes;
  // The next growth step: a whole chunk past the first one, else a doubling of what the slots use.
  const step = (slots >= chunkSlots ? chunkSlots : Math.max(64, slots)) * (dimBytes + link0Bytes);
  const ceiling = e.hnswMemoryLimitPages() * 65536;
  const free = ceiling - used - SLACK - step;
  return Math.max(0, Math.floor(free / perSlot));
}

export function indexStats(engine: Engine, entries: number, dimension: number, M: number, fileBytes: number | undefined): HnswIndexStats {
  const e = engine.exports;
  return {
    entries,
    deletedSlots: e.hnswDeletedCount() >>> 0,
    wasmBytes: engine.memoryBytes,
    fileBytes,
    capacityLeft: capacityLeft(engine, dimension, M),
  };
}
