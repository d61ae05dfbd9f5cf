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
}

export function emptySlotTable(): SlotTable {
  return { keyToSlot: new Map(), slotKey: [], slotMeta: [], orderedSlots: 0 };
}
