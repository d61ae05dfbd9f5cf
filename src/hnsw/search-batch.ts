/**
 * searchBatch: many queries, one call into the engine (hnswSearchBatch), which loops over them reusing
 * the search scratch. The queries and the result arrays live in engine buffers that are kept between
 * calls and only grow (WasmBuffer), so a steady stream of batches allocates nothing in the engine
 * (they keep the size of the largest batch until the index closes).
 *
 * A filter is a function of (key, metadata), not of the query, so one allow-mask serves every query
 * of the batch: the filter runs once per live entry per BATCH (not per query, as a loop of search()
 * would), and the batch is still one engine call.
 */
import type { Engine } from '../engine/engine.js';
import { WasmBuffer } from '../engine/wasm-buffer.js';
import type { HnswMetric, HnswSearchResult } from '../hnsw-index.js';
import { statusError } from './engine-codes.js';
import { I32_MAX, prepareSearch, toResults } from './search.js';
import type { SlotTable } from './slot-table.js';
import type { SearchParams } from './validate.js';

/** The engine buffers one index reuses across batches (tied to its engine instance). */
export class BatchBuffers {
  readonly queries: WasmBuffer;
  readonly ids: WasmBuffer;
  readonly dists: WasmBuffer;
  readonly counts: WasmBuffer;

  constructor(readonly engine: Engine) {
    this.queries = new WasmBuffer(engine, 'searchBatch queries');
    this.ids = new WasmBuffer(engine, 'searchBatch result ids');
    this.dists = new WasmBuffer(engine, 'searchBatch result distances');
    this.counts = new WasmBuffer(engine, 'searchBatch result counts');
  }
}

/**
 * One result list per query (`count` queries of `dimension` values back to back in `data`), each as
 * search() returns it. `buffers` gives the reusable engine buffers for the engine the index has now.
 */
export function searchGraphBatch(
  live: () => Engine, buffers: (engine: Engine) => BatchBuffers, table: SlotTable, metric: HnswMetric,
  data: Float32Array, count: number, k: number, params: SearchParams,
): HnswSearchResult[][] {
  const empty = (): HnswSearchResult[][] => Array.from({ length: count }, () => []);
  if (count === 0) return [];
  const prepared = prepareSearch(live, table, params.filter);
  if (prepared === null) return empty();
  const { engine, filtered, allowed } = prepared;
  const e = engine.exports;
  // The engine never returns more than the slots it holds: size the outputs for that, not for k.
  const kk = Math.min(k, e.hnswCount() >>> 0, I32_MAX);
  const b = buffers(engine);
  // Every buffer is sized first: each may grow memory, and the views below must come after.
  const qPtr = b.queries.ensure(data.byteLength);
  const idsPtr = b.ids.ensure(count * kk * 4);
  const distsPtr = b.dists.ensure(count * kk * 4);
  const countsPtr = b.counts.ensure(count * 4);
  engine.f32.set(data, qPtr >>> 2);
  const st = e.hnswSearchBatch(qPtr, count, kk, Math.min(params.ef, I32_MAX), filtered, allowed, idsPtr, distsPtr, countsPtr);
  if (st < 0) throw statusError(st, `searching ${count} queries`);
  const counts = engine.u32;
  const out = new Array<HnswSearchResult[]>(count);
  for (let i = 0; i < count; i++) {
    const n = counts[(countsPtr >>> 2) + i]!;
    out[i] = toResults(engine, table, metric, (idsPtr >>> 2) + i * kk, (distsPtr >>> 2) + i * kk, n, params.minScore);
  }
  return out;
}
