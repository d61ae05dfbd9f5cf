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
import { BatchBuffers } from './batch-buffers.js';
import type { IndexCore } from './index-core.js';
import { candidateCount } from './rerank.js';
import { I32_MAX, prepareSearch, runFiltered, toResults } from './search.js';
import type { HnswSearchResult } from './types.js';
import type { SearchParams } from './validate.js';
import { threadsFor } from './threads.js';

/**
 * One result list per query (`count` queries of `dimension` values back to back in `data`), each as
 * search() returns it, in the core's reusable engine buffers (new ones if its engine changed).
 */
export function searchGraphBatch(core: IndexCore, data: Float32Array, count: number, k: number, params: SearchParams): HnswSearchResult[][] {
  const empty = (): HnswSearchResult[][] => Array.from({ length: count }, () => []);
  if (count === 0) return [];
  core.notInFilter('searchBatch');
  const table = core.slots;
  const prepared = prepareSearch(core, table, params.filter);
  if (prepared === null) return empty();
  const { engine } = prepared;
  // The engine never returns more than the slots it holds: size the outputs for that, not for k.
  const kk = Math.min(k, engine.count(), I32_MAX);
  const kc = Math.min(candidateCount(engine, kk, params.rerank, params.ef), engine.count());
  if (core.batchBuffers?.engine !== engine) core.batchBuffers = new BatchBuffers(engine);
  const buffers = core.batchBuffers;
  const { idsAt, distsAt, countsAt, queriesPtr } = runFiltered(
    core, prepared, (e, filtered) => e.searchBatch(data, count, kc, Math.min(params.ef, I32_MAX), filtered, buffers, threadsFor(e, params.threads)),
  );
  const out = new Array<HnswSearchResult[]>(count);
  const queryBytes = core.config.dimension * 4;
  for (let i = 0; i < count; i++) {
    const at = i * kc;
    let n = engine.engine.u32[countsAt + i]!;
    if (engine.originals !== null) n = engine.rerank(queriesPtr + i * queryBytes, idsAt + at, distsAt + at, n, kk);
    out[i] = toResults(engine, table, core.config.metric, idsAt + at, distsAt + at, n, params.minScore);
  }
  return out;
}
