/**
 * Renumbering for locality: the engine relabels slots in breadth-first order of the graph, so that a
 * search's hops touch nearby memory (10-20% more queries/s on 100k vectors, and faster builds), and
 * the slot table follows. It is only an optimization: when the engine skips it, nothing changes.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { SlotTable } from './slot-table.js';

/**
 * Asks the engine to renumber slots [base, count). Returns the new slot -> old slot map of the range,
 * or null when the engine skipped it (it never fails a call).
 */
export function renumber(engine: HnswEngine, table: SlotTable, base: number): Uint32Array | null {
  const map = engine.reorder(base);
  if (map === null) return null;
  table.orderedSlots = engine.count();
  table.layout++;
  return map;
}

/** Renumbers every slot and the table's keys and metadata with them (outside transactions). */
export function reorderAll(engine: HnswEngine, table: SlotTable): void {
  const map = renumber(engine, table, 0);
  if (map === null) return;
  const keys = table.slotKey.slice(0, map.length);
  const metas = table.slotMeta.slice(0, map.length);
  for (let p = 0; p < map.length; p++) {
    const old = map[p]!;
    const key = keys[old];
    table.slotKey[p] = key;
    table.slotMeta[p] = metas[old];
    if (key !== undefined) table.keyToSlot.set(key, p);
  }
}
