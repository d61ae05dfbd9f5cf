/**
 * HnswIndex.stats(): counts from the slot table and the engine, and an estimate of how many more
 * vectors fit before inserts fail with CAPACITY.
 */
import { vectorBytes } from '../engine/element-type.js';
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { HnswIndexStats } from './types.js';
import type { SlotTable } from './slot-table.js';

/** Per-slot arrays outside the two big ones (hnsw-store.ts FLAT_BYTES_PER_SLOT). */
const FLAT_BYTES_PER_SLOT = 25;
/** Kept free below the ceiling: the allocator's own headers and rounding (hnsw-store.ts SLACK). */
const SLACK = 1 << 20;

/**
 * capacityLeft, explained. Each vector costs the engine, on average:
 *   the vector's code (dim·4 for f32, dim·2 for f16, dim + 16 for i8; a quantized index's f32
 *   originals live outside engine memory) + (1 + 2M)·4 (its layer-0 list) + 25 (norm, level, flags and the other
 *   per-slot arrays) + (1 + M)·4/(M − 1) (upper-layer lists: levels are drawn with
 *   P(level >= l) = M^-l, so a node owns 1/(M − 1) upper blocks on average).
 * The estimate is how many slots of that cost fit under the memory ceiling (4 GiB in wasm32), less
 * the allocator's slack and one growth step of the big arrays (vectors and lists grow a 64 MiB chunk
 * at a time, allocated whole, and below one chunk by doubling), minus the slots the index already has (deleted and replaced ones
 * included: they keep their memory until the index is rebuilt).
 *
 * It is an upper bound more than a promise: it counts slots, not the bytes linear memory has grown to.
 * The allocator (AssemblyScript's TLSF) doubles linear memory when it grows while it can, and the
 * engine's room check counts all of linear memory as used, so CAPACITY can come earlier: measured at
 * 0.44 of the estimate with a ceiling 48 MiB above a small index (test/hnsw-inspect.test.ts).
 * Near the real 4 GiB ceiling doubling is impossible and growth is exact, so the estimate is closer
 * there. Metadata and keys live in JS, not in this memory, and do not count.
 */
export function capacityLeft(engine: HnswEngine, dimension: number, M: number): number {
  const bigBytes = vectorBytes(dimension, engine.element) + (1 + 2 * M) * 4;
  const perSlot = bigBytes + FLAT_BYTES_PER_SLOT + ((1 + M) * 4) / (M - 1);
  const slots = engine.count();
  const step = Math.min(engine.chunkSlots(), Math.max(64, slots)) * bigBytes;
  const ceiling = engine.memoryLimitPages() * 65536;
  const fits = Math.floor((ceiling - SLACK - step) / perSlot);
  return Math.max(0, fits - slots);
}

export function indexStats(engine: HnswEngine, table: SlotTable, dimension: number, M: number, fileBytes: number | undefined): HnswIndexStats {
  const entries = table.keyToSlot.size;
  return {
    entries,
    // Every committed slot is live (it has a key) or deleted: the table has one entry per committed
    // slot (an open batch's slots join it at commit), so the rest of them are the deleted ones.
    deletedSlots: table.slotKey.length - entries,
    wasmBytes: engine.memoryBytes,
    originalsBytes: engine.originals?.heldBytes ?? 0,
    fileBytes,
    capacityLeft: capacityLeft(engine, dimension, M),
  };
}
