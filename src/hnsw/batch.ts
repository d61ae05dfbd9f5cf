/**
 * batchInsert's run: all rows in one engine transaction, all or nothing. It holds the index's write
 * lock throughout and yields to the event loop as it goes, checking after each yield and progress
 * report that it is still wanted (not aborted, index not closed); any failure rolls every row back.
 * New slots are renumbered for locality as the index grows (src/hnsw/renumber.ts).
 */
import { MemvecError } from '../errors.js';
import { checkSignal } from '../validate.js';
import type { IndexCore } from './index-core.js';
import { InsertTransaction } from './insert-transaction.js';
import { reorderAll } from './renumber.js';
import type { Rows } from './rows.js';
import { now, YIELD_MS, yieldToEventLoop } from './time.js';
import type { HnswProgressOptions } from './types.js';

/** Below this many slots the whole index sits in cache and renumbering for locality buys nothing. */
const REORDER_MIN = 8192;

/**
 * Inserts `rows` into `core` for the public call `call` (batchInsert, compact: in messages). `owner` is
 * the index whose closing cancels the batch: the core itself, or for compact the index whose fresh
 * core this builds (compact holds the owner's write lock itself until the new core is in place).
 */
export async function runBatch(core: IndexCore, call: string, rows: Rows, options: HnswProgressOptions, owner: IndexCore = core): Promise<void> {
  const startedAt = now();
  const table = core.slots;
  const { signal, onProgress } = options;
  const n = rows.keys.length;
  const engine = core.writable(call);
  if (n === 0) {
    onProgress?.(0, 0);
    return;
  }
  const tx = InsertTransaction.begin(engine, table, core.config.dimension, rows, `inserting ${n} vectors`);
  core.busy = call;
  const base = engine.count();
  const orderedBefore = table.orderedSlots;
  // Renumber the new slots each time the index doubles, so the rest of the build runs on a graph
  // laid out for locality too.
  let reorderAt = Math.max(REORDER_MIN, 2 * table.orderedSlots);
  const progressEvery = Math.max(1, Math.min(1024, Math.ceil(n / 100)));
  const checkStillWanted = (): void => {
    if (!owner.isOpen()) throw new MemvecError('CLOSED', `the index was closed during ${call}`);
    checkSignal(signal);
  };
  let lastYield = now();
  try {
    for (let i = 0; i < n; i++) {
      tx.insertRow(i);
      if (base + i + 1 >= reorderAt) {
        tx.renumberFrom(base);
        reorderAt = 2 * (base + i + 1);
      }
      if ((i + 1) % progressEvery === 0 && i + 1 < n) {
        onProgress?.(i + 1, n);
        checkStillWanted();
      }
      if ((i & 31) === 31 && now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = now();
        checkStillWanted();
      }
    }
    onProgress?.(n, n);
    checkStillWanted();
    core.journal?.logInsert(rows, true);
  } catch (err) {
    if (owner.isOpen()) tx.rollback();
    table.orderedSlots = orderedBefore;
    core.busy = null;
    throw err;
  }
  tx.commit();
  // A final pass over everything once a quarter of the slots are in insertion order.
  const slots = engine.count();
  if (slots >= REORDER_MIN && 4 * (slots - table.orderedSlots) >= slots) reorderAll(engine, table);
  core.busy = null;
  core.journal?.committed(startedAt);
}
