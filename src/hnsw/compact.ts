/**
 * compact()'s rebuild: the live entries, copied from the engine exactly as stored, are inserted into a
 * fresh engine by the same batch that batchInsert runs, so the result is the index a fresh
 * HnswIndex.create + batchInsert of those entries gives (same graph, same snapshot bytes):
 *
 * - in slot order, which is the order of each key's last insert until a large batch renumbers slots
 *   for locality (then it is that layout's order, breadth-first over the graph);
 * - with the level generator restarted from the index's seed (where it is known: create and open;
 *   an index from load() continues from its generator's current state, as its seed is not saved);
 * - with vectors and norms copied as stored (hnswInsertStored), so get() returns the same bits after.
 *
 * Why a rebuild and not hnswlib-style slot reuse (replace_deleted): reuse stops further growth but
 * gives back nothing an index has already grown, as the engine's slots are append-only arrays
 * (vectors, links, levels) in a snapshot that has every slot; it needs unlinking and repairing
 * neighbour lists in place, which the undo log of inserts would then have to cover; and its graph
 * drifts from the one a fresh build makes (hnswlib reports recall loss under heavy replacement). The
 * rebuild reclaims every dead slot and upper-layer block, is all-or-nothing for free (the old engine
 * is untouched until the new one is swapped in), and its cost is a fresh build of the live entries:
 * bench/sections/compact.mjs measures it against HnswIndex.create + batchInsert of the same entries
 * (0.9-1.1x that build's time for 100-5,000 live 128-d entries after 2,000 upserts, and the snapshot
 * the fresh one's size: 1.4 MB -> 67 KB for 100 live keys). Slot reuse was not built into this
 * engine to compare (it needs an in-place unlink-and-repair); the same section measures it where it
 * exists, hnswlib-node's replace_deleted, on the same churn: recall@10 at ef 16 fell to 0.961 against
 * a fresh graph's 0.980 (5,000 live keys), and each reusing upsert cost 3.1-3.6x a fresh insert.
 * The price of the rebuild is memory: both engines are alive until the swap.
 */
import { HnswEngine } from '../engine/hnsw-engine.js';
import { METRIC_IDS } from '../engine/metrics.js';
import type { HnswProgressOptions } from '../hnsw-index.js';
import { runBatch } from './batch.js';
import type { Rows } from './rows.js';
import { emptySlotTable, type SlotTable } from './slot-table.js';
import type { Config } from './validate.js';

/** The live entries of `table`, in slot order, as `engine` stores them (vectors and their norms). */
function liveRows(engine: HnswEngine, table: SlotTable, dimension: number): Rows {
  const slots = engine.count();
  const n = table.keyToSlot.size;
  const keys: string[] = [];
  const metas: unknown[] = [];
  const data = new Float32Array(n * dimension);
  const norms = new Float32Array(n);
  for (let slot = 0; slot < slots; slot++) {
    const key = table.slotKey[slot];
    if (key === undefined) continue;
    norms[keys.length] = engine.copyStored(slot, data, keys.length * dimension);
    keys.push(key);
    metas.push(table.slotMeta[slot]);
  }
  if (keys.length !== n) throw new Error(`internal: ${keys.length} live slots, ${n} live keys`);
  return { keys, data, metas, norms };
}

export interface Rebuilt {
  engine: HnswEngine;
  table: SlotTable;
}

/**
 * The live entries of (engine, table) in a fresh engine. Yields to the event loop as batchInsert does;
 * throws ABORTED, CLOSED (isOpen false) or CAPACITY, and then the fresh engine is simply dropped.
 * `seed` null: continue from the source generator's state.
 */
export async function rebuild(
  engine: HnswEngine, table: SlotTable, config: Config, seed: number | null, isOpen: () => boolean, options: HnswProgressOptions,
): Promise<Rebuilt> {
  const rows = liveRows(engine, table, config.dimension);
  const [seedLo, seedHi] = seed === null ? engine.rng() : [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  const fresh = await HnswEngine.create(
    { dimension: config.dimension, metric: METRIC_IDS[config.metric], M: config.M, efConstruction: config.efConstruction, seedLo, seedHi },
    'compacting the index',
  );
  const freshTable = emptySlotTable();
  await runBatch({
    call: 'compact',
    table: freshTable,
    dimension: config.dimension,
    writable: () => fresh,
    isOpen,
    journal: () => null,
    // compact() holds the index's lock itself, until the new engine (and file) is in place.
    lock: () => undefined,
  }, rows, options);
  return { engine: fresh, table: freshTable };
}
