/**
 * searchBatch: many queries, one call into the engine (hnswSearchBatch), which loops over them reusing
 * the search scratch. The queries and the result arrays live in engine buffers that are kept between
 * calls and only grow (WasmBuffer), so a steady stream of batches allocates nothing in the engine
 * (they keep the size of the largest batch until the index closes).
 *
 * A filter is a function of (key, metadata), not of the query, so its answers serve every query of
 * the batch: the engine evaluates it at most once per slot per BATCH (only for slots some query
 * reaches), and the batch is still one engine call.
 */
import type { BatchBufferSet, HnswEngine } from '../engine/hnsw-engine.js';
import { WasmBuffer } from '../engine/wasm-buffer.js';
import type { HnswMetric, HnswSearchResult } from '../hnsw-index.js';
import type { FilterColumns } from '../filter/columns.js';
import { finishSearch, I32_MAX, prepareSearch, toResults } from './search.js';
import type { SlotTable } from './slot-table.js';
import type { SearchParams } from './validate.js';

/** The engine buffers one index reuses across batches (tied to its engine instance). */
export class BatchBuffers implements BatchBufferSet {
  readonly queries: WasmBuffer;
  readonly ids: WasmBuffer;
  readonly dists: WasmBuffer;
  readonly counts: WasmBuffer;

  constructor(readonly engine: HnswEngine) {
    this.queries = new WasmBuffer(engine.engine, 'searchBatch queries');
    this.ids = new WasmBuffer(engine.engine, 'searchBatch result ids');
    this.dists = new WasmBuffer(engine.engine, 'searchBatch result distances');
    this.counts = new WasmBuffer(engine.engine, 'searchBatch result counts');
  }
}

/**
 * One result list per query (`count` queries of `dimension` values back to back in `data`), each as
 * search() returns it. `buffers` gives the reusable engine buffers for the engine the index has now.
 */
export function searchGraphBatch(
  live: () => HnswEngine, buffers: (engine: HnswEngine) => BatchBuffers, table: SlotTable, metric: HnswMetric,
  data: Float32Array, count: number, k: number, params: SearchParams, columns: (e: HnswEngine) => FilterColumns,
): HnswSearchResult[][] {
  const empty = (): HnswSearchResult[][] => Array.from({ length: count }, () => []);
  if (count === 0) return [];
  const prepared = prepareSearch(live, table, params.filter, columns);
  if (prepared === null) return empty();
  const { engine, filtered } = prepared;
  // The engine never returns more than the slots it holds: size the outputs for that, not for k.
  const kk = Math.min(k, engine.count(), I32_MAX);
  let at: { idsAt: number; distsAt: number; countsAt: number };
  try {
    at = engine.searchBatch(data, count, kk, Math.min(params.ef, I32_MAX), filtered, buffers(engine));
  } finally {
    finishSearch(prepared);
  }
  live(); // CLOSED if a function filter closed the index
  const { idsAt, distsAt, countsAt } = at;
  const counts = engine.engine.u32;
  const out = new Array<HnswSearchResult[]>(count);
  for (let i = 0; i < count; i++) {
    out[i] = toResults(engine, table, metric, idsAt + i * kk, distsAt + i * kk, counts[countsAt + i]!, params.minScore);
  }
  return out;
}
