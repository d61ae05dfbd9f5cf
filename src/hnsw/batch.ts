/**
 * batchInsert's run: all rows in one engine transaction, all or nothing. It holds the index's write
 * lock throughout and yields to the event loop as it goes, checking after each yield and progress
 * report that it is still wanted (not aborted, index not closed); any failure rolls every row back.
 * New slots are renumbered for locality as the index grows (src/hnsw/renumber.ts).
 *
 * With more than one thread (and enough rows) the rows go in rounds that every thread links at once
 * (InsertTransaction.insertRound, assembly/hnsw-parallel.ts), inside the same transaction: a failure
 * on any thread rolls the whole batch back the same way, and the journal logs it as one record.
 */
import { MemvecError } from '../errors.js';
import { checkSignal } from '../validate.js';
import type { IndexCore } from './index-core.js';
import { InsertTransaction } from './insert-transaction.js';
import { reorderAll } from './renumber.js';
import type { Rows } from './rows.js';
import { now, YIELD_MS, yieldToEventLoop } from './time.js';
import type { HnswBatchOptions } from './types.js';
import type { Gang } from '../threads/gang.js';
import { threadsFor } from './threads.js';

/** Below this many slots the whole index sits in cache and renumbering for locality buys nothing. */
const REORDER_MIN = 8192;
/**
 * A batch goes parallel from this many rows: below, the rounds' set-up and the workers' start cost
 * more than they save.
 */
const PARALLEL_MIN_ROWS = 256;

/**
 * Inserts `rows` into `core` for the public call `call` (batchInsert, compact: in messages). `owner` is
 * the index whose closing cancels the batch: the core itself, or for compact the index whose fresh
 * core this builds (compact holds the owner's write lock itself until the new core is in place).
 */
export async function runBatch(core: IndexCore, call: string, rows: Rows, options: HnswBatchOptions, owner: IndexCore = core): Promise<void> {
  const startedAt = now();
  const table = core.slots;
  const { signal, onProgress } = options;
  const n = rows.keys.length;
  const engine = core.writable(call);
  if (n === 0) {
    onProgress?.(0, 0);
    return;
  }
  const checkStillWanted = (): void => {
    if (!owner.isOpen()) throw new MemvecError('CLOSED', `the index was closed during ${call}`);
    checkSignal(signal);
  };
  const threads = threadsFor(engine, options.threads);
  let gang: Gang | null = null;
  if (threads > 1 && n >= PARALLEL_MIN_ROWS) {
    // Holds the write lock while the workers start (the first batch only), as it does for the batch.
    core.busy = call;
    try {
      gang = (await engine.engine.startWorkers(threads)) ? engine.engine.workers(threads) : null;
      checkStillWanted();
    } finally {
      if (core.busy === call) core.busy = null;
    }
  }
  const tx = InsertTransaction.begin(engine, table, core.config.dimension, rows, `inserting ${n} vectors`);
  core.busy = call;
  const base = engine.count();
  const orderedBefore = table.orderedSlots;
  // Renumber the new slots each time the index doubles, so the rest of the build runs on a graph
  // laid out for locality too.
  let reorderAt = Math.max(REORDER_MIN, 2 * table.orderedSlots);
  const progressEvery = Math.max(1, Math.min(1024, Math.ceil(n / 100)));
  let lastYield = now();
  try {
    if (gang !== null) {
      // Rounds of rows on every thread, sized to last about YIELD_MS, cut where the one-thread loop
      // renumbers; between rounds the workers are idle and this thread yields, reports and checks.
      let size = 16 * threads;
      let nextProgress = progressEvery;
      for (let i = 0; i < n; ) {
        const m = Math.min(size, n - i, Math.max(1, reorderAt - (base + i)));
        const started = now();
        tx.insertRound(i, m, gang, threads);
        const ms = now() - started;
        size = Math.max(4 * threads, Math.min(1 << 16, Math.round((m * YIELD_MS) / Math.max(ms, 0.05))));
        i += m;
        if (base + i >= reorderAt) {
          tx.renumberFrom(base);
          reorderAt = 2 * (base + i);
        }
        if (i >= nextProgress && i < n) {
          onProgress?.(i, n);
          nextProgress = (Math.floor(i / progressEvery) + 1) * progressEvery;
        }
        await yieldToEventLoop();
        checkStillWanted();
      }
    } else {
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
