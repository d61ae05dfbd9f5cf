/**
 * A search once its arguments are checked: the filter installed in the engine, the graph search, and
 * the engine's distances shaped into results (keys, scores, metadata). searchBatch (search-batch.ts)
 * shares the preparation and the shaping, and makes one engine call for all its queries.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { FilterColumns } from '../filter/columns.js';
import { FILTER } from '../filter/program-codes.js';
import type { HnswMetric, HnswSearchResult } from '../hnsw-index.js';
import { installProgram } from './entry-filter.js';
import type { SlotTable } from './slot-table.js';
import type { SearchParams } from './validate.js';

export const I32_MAX = 0x7fffffff;

/** The engine with a search's filter installed, or null when no entry can match. */
export interface PreparedSearch {
  engine: HnswEngine;
  /** The engine's `filtered` argument (FILTER). */
  filtered: number;
}

/**
 * Installs the search's filter: an object filter as a program over the index's filter columns, a
 * function filter as the engine's host callback (answering false for a slot no longer live). The
 * engine evaluates either only for the slots the search reaches. The caller runs the search and then
 * finishSearch, whatever happens; a function filter must not write to or search the index meanwhile
 * (HnswIndex refuses it), and if it closes the index, `live` says so when the search returns.
 */
export function prepareSearch(
  live: () => HnswEngine, table: SlotTable, filter: SearchParams['filter'], columns: (e: HnswEngine) => FilterColumns,
): PreparedSearch | null {
  if (table.keyToSlot.size === 0) return null;
  const engine = live();
  if (filter === undefined) return { engine, filtered: FILTER.NONE };
  if (filter.kind === 'object') {
    installProgram(engine, columns(engine), filter.node);
    return { engine, filtered: FILTER.PROGRAM };
  }
  const { accepts } = filter;
  engine.setHostFilter((slot) => {
    const key = table.slotKey[slot];
    return key !== undefined && Boolean(accepts(key, table.slotMeta[slot]));
  });
  return { engine, filtered: FILTER.HOST };
}

/** After a prepared search, whatever happened: the host callback is dropped (it holds the filter). */
export function finishSearch(prepared: PreparedSearch): void {
  if (prepared.filtered === FILTER.HOST) prepared.engine.setHostFilter(null);
}

/**
 * The k nearest live entries to `query` that pass the filter, best first.
 */
export function searchGraph(
  live: () => HnswEngine, table: SlotTable, metric: HnswMetric, query: Float32Array, k: number, params: SearchParams,
  columns: (e: HnswEngine) => FilterColumns,
): HnswSearchResult[] {
  const prepared = prepareSearch(live, table, params.filter, columns);
  if (prepared === null) return [];
  const { engine, filtered } = prepared;
  let n: number;
  try {
    n = engine.search(query, Math.min(k, I32_MAX), Math.min(params.ef, I32_MAX), filtered);
  } finally {
    finishSearch(prepared);
  }
  live(); // CLOSED if a function filter closed the index
  return toResults(engine, table, metric, engine.resultIdsAt, engine.resultDistsAt, n, params.minScore);
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
