/**
 * The facade's half of an index: what each engine slot holds in JS (its key and metadata), the way
 * back from key to slot, and how far the slots are laid out for locality. HnswIndex keeps one private
 * table and hands it to the helpers that read or rewrite it (inserts, renumbering, search, snapshots).
 */
export interface SlotTable {
  /** Live key -> its slot. */
  readonly keyToSlot: Map<string, number>;
  /** Per slot: its key; undefined once the slot is deleted or replaced (it stays in the graph). */
  readonly slotKey: Array<string | undefined>;
  /** Per slot: its stored metadata (undefined: none, or a dead slot). */
  readonly slotMeta: unknown[];
  /** Slots at the last reorder: batches reorder again once the index has doubled since. */
  orderedSlots: number;
  /**
   * For the filter columns (src/filter/columns.ts), once an object filter has made them: the slots
   * whose metadata changed since they last caught up (null while there are no columns to keep current),
   * and a count of renumberings, which make columns built before stale as a whole.
   */
  metaChanged: Set<number> | null;
  layout: number;
}

export function emptySlotTable(): SlotTable {
  return { keyToSlot: new Map(), slotKey: [], slotMeta: [], orderedSlots: 0, metaChanged: null, layout: 0 };
}

/** Sets a slot's stored metadata, noting the change for the filter columns. */
export function setSlotMeta(table: SlotTable, slot: number, metadata: unknown): void {
  table.slotMeta[slot] = metadata;
  table.metaChanged?.add(slot);
}
