/**
 * A search once its arguments are checked: the filter installed in the engine, the graph search, and
 * the engine's distances shaped into results (keys, scores, metadata). searchBatch (search-batch.ts)
 * shares the preparation and the shaping, and makes one engine call for all its queries.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import { FILTER } from '../filter/program-codes.js';
import { installProgram } from './entry-filter.js';
import { candidateCount } from './rerank.js';
import type { IndexCore } from './index-core.js';
import type { SlotTable } from './slot-table.js';
import type { HnswMetric, HnswSearchResult } from './types.js';
import type { SearchParams } from './validate.js';

export const I32_MAX = 0x7fffffff;

/** The engine with a search's filter installed, or null when no entry can match. */
export interface PreparedSearch {
  engine: HnswEngine;
  /** The engine's `filtered` argument (FILTER). */
  filtered: number;
}

/**
 * Installs the search's filter: an object filter as a program over the core's filter columns, a
 * function filter as the engine's host callback (answering false for a slot no longer live). The
 * engine evaluates either only for the slots the search reaches. Run the search with runFiltered.
 */
export function prepareSearch(core: IndexCore, table: SlotTable, filter: SearchParams['filter']): PreparedSearch | null {
  if (table.keyToSlot.size === 0) return null;
  const engine = core.live();
  if (filter === undefined) return { engine, filtered: FILTER.NONE };
  if (filter.kind === 'object') {
    installProgram(engine, core.columnsFor(engine), filter.node);
    return { engine, filtered: FILTER.PROGRAM };
  }
  const { accepts } = filter;
  engine.setHostFilter((slot) => {
    const key = table.slotKey[slot];
    return key !== undefined && Boolean(accepts(key, table.slotMeta[slot]));
  });
  return { engine, filtered: FILTER.HOST };
}

/**
 * Runs a prepared search. With a function filter, which the engine calls back mid-search, the core
 * refuses writes and searches from inside it (LOCKED), and the callback is dropped afterwards, whatever
 * happened; if the filter closed the index, that is CLOSED once the search returns.
 */
export function runFiltered<T>(core: IndexCore, prepared: PreparedSearch, run: (engine: HnswEngine, filtered: number) => T): T {
  const host = prepared.filtered === FILTER.HOST;
  if (host) core.inFilter = true;
  let result: T;
  try {
    result = run(prepared.engine, prepared.filtered);
  } finally {
    if (host) {
      core.inFilter = false;
      prepared.engine.setHostFilter(null);
    }
  }
  core.live();
  return result;
}

/**
 * The k nearest live entries to `query` that pass the filter, best first.
 */
export function searchGraph(core: IndexCore, query: Float32Array, k: number, params: SearchParams): HnswSearchResult[] {
  core.notInFilter('search');
  const table = core.slots;
  const prepared = prepareSearch(core, table, params.filter);
  if (prepared === null) return [];
  const { engine, filtered } = prepared;
  const kk = Math.min(k, I32_MAX);
  const ef = Math.min(params.ef, I32_MAX);
  const kc = candidateCount(engine, kk, params.rerank, ef);
  // No filter: straight to the engine (no callback to guard, no closure on the hot path).
  let n = filtered === FILTER.NONE ? engine.search(query, kc, ef, filtered) : runFiltered(core, prepared, (e, f) => e.search(query, kc, ef, f));
  if (engine.originals !== null) n = engine.rerank(0, engine.resultIdsAt, engine.resultDistsAt, n, kk);
  return toResults(engine, table, core.config.metric, engine.resultIdsAt, engine.resultDistsAt, n, params.minScore);
}

/** `n` engine results (u32 ids at u32 index `idAt`, f32 distances at f32 index `distAt`) as search results. */
export function toResults(
  engine: HnswEngine, table: SlotTable, metric: HnswMetric, idAt: number, distAt: number, n: number, minScore: number | undefined,
): HnswSearchResult[] {
  const ids = engine.engine.u32;
  const dists = engine.engine.f32;
  const euclidean = metric === 'euclidean';
  const results: HnswSearchResult[] = [];
  for (let i = 0; i < n; i++) {
    const slot = ids[idAt + i]!;
    const d = dists[distAt + i]!;
    const distance = euclidean ? Math.sqrt(Math.max(0, d)) : d;
    const score = euclidean ? -distance : 1 - d;
    // Results come nearest first, so scores only decrease from here.
    if (minScore !== undefined && score < minScore) break;
    results.push({ key: table.slotKey[slot]!, score, distance, metadata: table.slotMeta[slot] });
  }
  return results;
}
