/**
 * batchInsert's run: all rows in one engine transaction, all or nothing. It holds the index's write
 * lock throughout and yields to the event loop as it goes, checking after each yield and progress
 * report that it is still wanted (not aborted, index not closed); any failure rolls every row back.
 * New slots are renumbered for locality as the index grows (src/hnsw/renumber.ts).
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import { MemvecError } from '../errors.js';
import type { HnswProgressOptions } from '../hnsw-index.js';
import { checkSignal } from '../validate.js';
import type { Journal } from './index-file.js';
import { InsertTransaction } from './insert-transaction.js';
import { reorderAll } from './renumber.js';
import type { Rows } from './rows.js';
import type { SlotTable } from './slot-table.js';
import { now, YIELD_MS, yieldToEventLoop } from './time.js';

/** Below this many slots the whole index sits in cache and renumbering for locality buys nothing. */
const REORDER_MIN = 8192;

/** What a batch needs of its HnswIndex, which keeps these private (built by HnswIndex per call). */
export interface BatchHost {
  /** The public call this batch runs for, in messages: batchInsert, compact. */
  readonly call: string;
  readonly table: SlotTable;
  readonly dimension: number;
  /** The engine, if a write may start now; else throws (CLOSED, LOCKED, READ_ONLY). */
  writable(): HnswEngine;
  /** False once the index is closed: onProgress may close it, and so does a failed write to its file. */
  isOpen(): boolean;
  /** The index's file as it is at the time of the call (null once closed, or for an in-memory index). */
  journal(): Journal | null;
  /** Takes (with the call's name) or releases (null) the lock that makes other writes throw LOCKED. */
  lock(busy: string | null): void;
}

export async function runBatch(host: BatchHost, rows: Rows, options: HnswProgressOptions): Promise<void> {
  const startedAt = now();
  const { table } = host;
  const { signal, onProgress } = options;
  const n = rows.keys.length;
  const engine = host.writable();
  if (n === 0) {
    onProgress?.(0, 0);
    return;
  }
  const tx = InsertTransaction.begin(engine, table, host.dimension, rows, `inserting ${n} vectors`);
  host.lock(host.call);
  const base = engine.count();
  const orderedBefore = table.orderedSlots;
  // Renumber the new slots each time the index doubles, so the rest of the build runs on a graph
  // laid out for locality too.
  let reorderAt = Math.max(REORDER_MIN, 2 * table.orderedSlots);
  const progressEvery = Math.max(1, Math.min(1024, Math.ceil(n / 100)));
  const checkStillWanted = (): void => {
    if (!host.isOpen()) throw new MemvecError('CLOSED', `the index was closed during ${host.call}`);
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
    host.journal()?.logInsert(rows, true);
  } catch (err) {
    if (host.isOpen()) tx.rollback();
    table.orderedSlots = orderedBefore;
    host.lock(null);
    throw err;
  }
  tx.commit();
  // A final pass over everything once a quarter of the slots are in insertion order.
  const slots = engine.count();
  if (slots >= REORDER_MIN && 4 * (slots - table.orderedSlots) >= slots) reorderAll(engine, table);
  host.lock(null);
  host.journal()?.committed(startedAt);
}
