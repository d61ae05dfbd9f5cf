/**
 * compact()'s rebuild: the live entries, copied from the engine exactly as stored, are inserted into a
 * fresh engine by the same batch that batchInsert runs, so the result is the index a fresh
 * HnswIndex.create + batchInsert of those entries gives (on one thread the same graph and snapshot
 * bytes; on several, the same entries in a graph as good: threads interleave):
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
import { MemvecError } from '../errors.js';
import { internalFault } from '../format/file-errors.js';
import { checkOptionKeys, checkSignal } from '../validate.js';
import { runBatch } from './batch.js';
import { IndexCore } from './index-core.js';
import type { Rows } from './rows.js';
import type { SlotTable } from './slot-table.js';
import type { Snapshot } from './snapshot-io.js';
import type { HnswBatchOptions } from './types.js';
import { BATCH_OPTIONS, checkProgress, checkThreads, engineConfig } from './validate.js';

/** The live entries of `table`, in slot order, as `engine` stores them (codes, norms, originals). */
function liveRows(engine: HnswEngine, table: SlotTable): Rows {
  const slots = engine.count();
  const n = table.keyToSlot.size;
  const keys: string[] = [];
  const metas: unknown[] = [];
  const codes: Uint8Array[] = [];
  const originals: Float32Array[] = [];
  const norms = new Float32Array(n);
  for (let slot = 0; slot < slots; slot++) {
    const key = table.slotKey[slot];
    if (key === undefined) continue;
    norms[keys.length] = engine.storedNorm(slot);
    codes.push(engine.storedCode(slot));
    if (engine.originals !== null) originals.push(engine.originals.get(slot).slice());
    keys.push(key);
    metas.push(table.slotMeta[slot]);
  }
  if (keys.length !== n) throw internalFault(`${keys.length} live slots, ${n} live keys`);
  return { keys, data: new Float32Array(0), metas, stored: { codes, norms, originals: engine.originals === null ? null : originals } };
}

/**
 * The live entries of `core` in a fresh core (no journal). Yields to the event loop as batchInsert
 * does; throws ABORTED, CLOSED (`core` closed meanwhile) or CAPACITY, and then the fresh core is
 * simply dropped. A core without a seed (from load) continues from its generator's state.
 */
async function rebuild(core: IndexCore, engine: HnswEngine, options: HnswBatchOptions): Promise<IndexCore> {
  const { config, seed } = core;
  const rows = liveRows(engine, core.slots);
  const [seedLo, seedHi] = seed === null ? engine.rng() : [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  const fresh = new IndexCore(await HnswEngine.create(engineConfig(config, seedLo, seedHi), 'compacting the index'), config);
  try {
    await runBatch(fresh, 'compact', rows, options, core);
  } catch (err) {
    fresh.close();
    throw err;
  }
  return fresh;
}

/** HnswIndex.compact: rebuilds `core` from its live entries and swaps the result in, all or nothing. */
export async function compact(core: IndexCore, options: unknown): Promise<{ reclaimed: number }> {
  const engine = core.writable('compact');
  const opts = checkOptionKeys(options as HnswBatchOptions | undefined, BATCH_OPTIONS, 'compact options');
  checkProgress(opts);
  checkThreads(opts.threads);
  checkSignal(opts.signal);
  const reclaimed = engine.count() - core.slots.keyToSlot.size;
  if (reclaimed === 0) {
    opts.onProgress?.(0, 0);
    return { reclaimed: 0 };
  }
  core.busy = 'compact';
  let fresh: IndexCore | null = null;
  try {
    const built = await rebuild(core, engine, opts);
    fresh = built;
    const stillWanted = (): void => {
      if (!core.isOpen()) throw new MemvecError('CLOSED', 'the index was closed during compact');
      checkSignal(opts.signal);
    };
    stillWanted();
    // The file first, as for every write: memory never runs ahead of it. Originals the old engine
    // reads from the file come into memory first: the rename ends that file, while searches of the
    // old engine may still run until the swap.
    engine.originals?.detachFile(engine.count());
    let written: Snapshot | null = null;
    await core.journal?.rewrite(() => (written = built.snapshot()), built.slots.orderedSlots, stillWanted);
    if (!core.isOpen()) throw new MemvecError('CLOSED', 'the index was closed during compact');
    core.engine = built.engine;
    core.slots = built.slots;
    if (written !== null) core.journal?.adoptOriginals?.(built.engine!, written);
    fresh = null;
    // The old engine's worker threads stop (readers of its memory may still finish a search).
    engine.engine.close();
  } catch (err) {
    fresh?.close();
    throw err;
  } finally {
    if (core.busy === 'compact') core.busy = null;
  }
  return { reclaimed };
}
