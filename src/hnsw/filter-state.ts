/**
 * The filter columns of one index (src/filter/columns.ts), made when an object filter first needs
 * them and kept current: tied to the engine and slot table they were built over (a refresh, load or
 * compaction swaps both, so they are rebuilt), rebuilt after slots were renumbered, and otherwise
 * brought up to date with the slots whose metadata changed (SlotTable.metaChanged).
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import { FilterColumns } from '../filter/columns.js';
import type { SlotTable } from './slot-table.js';

export class FilterState {
  private columns: FilterColumns | null = null;
  private engine: HnswEngine | null = null;
  private table: SlotTable | null = null;
  private layout = -1;

  /** The columns of `engine` and `table`, current. */
  columnsFor(engine: HnswEngine, table: SlotTable): FilterColumns {
    if (this.columns !== null && this.engine === engine && this.table === table && this.layout === table.layout) {
      const changed = table.metaChanged;
      if (changed !== null && changed.size > 0) {
        this.columns.update(changed);
        changed.clear();
      }
      return this.columns;
    }
    // Columns of a replaced engine went with its memory; those of this engine are freed.
    if (this.engine === engine) this.columns?.clear();
    this.columns = new FilterColumns(engine.engine, table);
    this.engine = engine;
    this.table = table;
    this.layout = table.layout;
    table.metaChanged = new Set();
    return this.columns;
  }

  /** Forgets the columns (the index closed: its engine's memory is gone). */
  reset(): void {
    this.columns = null;
    this.engine = null;
    this.table = null;
  }
}
