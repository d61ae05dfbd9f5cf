/**
 * A search once its arguments are checked: the filter turned into the engine's allow-mask, the graph
 * search, and the engine's distances shaped into results (keys, scores, metadata).
 */
import type { Engine } from '../engine/engine.js';
import type { HnswMetric, HnswSearchOptions, HnswSearchResult } from '../hnsw-index.js';
import { statusError } from './engine-codes.js';
import type { SlotTable } from './slot-table.js';
import type { SearchParams } from './validate.js';

const I32_MAX = 0x7fffffff;

/**
 * The k nearest live entries to `query` that pass the filter, best first. `live` returns the engine or
 * throws CLOSED: it is asked only after the filter has run, since a filter may call back into the index
 * (even close it).
 */
export function searchGraph(
  live: () => Engine, table: SlotTable, metric: HnswMetric, query: Float32Array, k: number, params: SearchParams,
): HnswSearchResult[] {
  const { ef, minScore, filter } = params;
  if (table.keyToSlot.size === 0) return [];
  // Predicates run before the engine is touched, and may even call back into this index...
  const accepted = filter === undefined ? undefined : acceptedSlots(table, filter);
  const engine = live();
  // ...and delete or replace entries they were asked about.
  const allowed = accepted?.filter((slot) => table.slotKey[slot] !== undefined);
  if (allowed?.length === 0) return [];

  const e = engine.exports;
  if (allowed !== undefined) {
    const base = e.hnswAllowPtr() >>> 0;
    const u8 = engine.u8;
    u8.fill(0, base, base + (e.hnswCount() >>> 0));
    for (const slot of allowed) u8[base + slot] = 1;
  }
  engine.f32.set(query, (e.hnswQueryPtr() >>> 0) >>> 2);
  const n = e.hnswSearch(Math.min(k, I32_MAX), Math.min(ef, I32_MAX), allowed === undefined ? 0 : 1, allowed?.length ?? 0);
  if (n < 0) throw statusError(n, 'searching');

  const ids = engine.u32;
  const dists = engine.f32;
  const idAt = (e.hnswOutIdsPtr() >>> 0) >>> 2;
  const distAt = (e.hnswOutDistsPtr() >>> 0) >>> 2;
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
function acceptedSlots(table: SlotTable, filter: NonNullable<HnswSearchOptions['filter']>): number[] {
  const accepted: number[] = [];
  for (const [key, slot] of table.keyToSlot) if (filter(key, table.slotMeta[slot])) accepted.push(slot);
  return accepted;
}
