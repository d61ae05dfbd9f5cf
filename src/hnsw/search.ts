/**
 * A search once its arguments are checked: the filter turned into the engine's allow-mask, the graph
 * search, and the engine's distances shaped into results (keys, scores, metadata). searchBatch
 * (search-batch.ts) shares the mask and the shaping, and makes one engine call for all its queries.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { EntryPredicate } from './entry-filter.js';
import type { IndexCore } from './index-core.js';
import type { SlotTable } from './slot-table.js';
import type { HnswMetric, HnswSearchResult } from './types.js';
import type { SearchParams } from './validate.js';

export const I32_MAX = 0x7fffffff;

/** The engine with its allow-mask set for a search, or null when no entry can match. */
export interface PreparedSearch {
  engine: HnswEngine;
  /** 1 if the allow-mask is in force, else 0 (the engine's `filtered` argument). */
  filtered: number;
  /** How many slots the mask allows (0 without a filter). */
  allowed: number;
}

/**
 * Runs the filter (if any: a function filter, or an object filter compiled to a predicate) over every
 * live entry of `table` (the core's slot table when the search began), in JS, and writes the engine's
 * allow-mask. The engine is asked of `core` (which throws CLOSED) only after the filter has run, since a
 * filter may call back into the index (even close it).
 */
export function prepareSearch(core: IndexCore, table: SlotTable, filter: SearchParams['filter']): PreparedSearch | null {
  if (table.keyToSlot.size === 0) return null;
  // Predicates run before the engine is touched, and may even call back into this index...
  const accepted = filter === undefined ? undefined : acceptedSlots(table, filter);
  const engine = core.live();
  // ...and delete or replace entries they were asked about.
  const allowed = accepted?.filter((slot) => table.slotKey[slot] !== undefined);
  if (allowed === undefined) return { engine, filtered: 0, allowed: 0 };
  if (allowed.length === 0) return null;
  engine.setAllowed(allowed);
  return { engine, filtered: 1, allowed: allowed.length };
}

/**
 * The k nearest live entries to `query` that pass the filter, best first.
 */
export function searchGraph(core: IndexCore, query: Float32Array, k: number, params: SearchParams): HnswSearchResult[] {
  const table = core.slots;
  const prepared = prepareSearch(core, table, params.filter);
  if (prepared === null) return [];
  const { engine, filtered, allowed } = prepared;
  const n = engine.search(query, Math.min(k, I32_MAX), Math.min(params.ef, I32_MAX), filtered, allowed);
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

/** The slots of the live entries the filter accepts. */
function acceptedSlots(table: SlotTable, filter: EntryPredicate): number[] {
  const accepted: number[] = [];
  for (const [key, slot] of table.keyToSlot) if (filter(key, table.slotMeta[slot])) accepted.push(slot);
  return accepted;
}
