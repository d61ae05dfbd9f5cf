/**
 * count and deleteMany of a filter: the keys of the live entries that pass it, an object filter
 * evaluated by the engine over every live slot, a function called once per live entry.
 */
import { type EntryFilter, installProgram } from './entry-filter.js';
import type { IndexCore } from './index-core.js';

/**
 * The keys of the live entries that pass `filter` (count, deleteMany). A function filter sees the
 * entries listed before its first call, since it may call back into the index while this runs.
 */
export function matchingKeys(core: IndexCore, filter: EntryFilter): string[] {
  core.notInFilter('evaluate a filter');
  const table = core.slots;
  if (filter.kind === 'object') {
    const engine = core.live();
    installProgram(engine, core.columnsFor(engine), filter.node);
    return engine.filterAll().map((slot) => table.slotKey[slot]!);
  }
  const live = [...table.keyToSlot].map(([key, slot]) => [key, table.slotMeta[slot]] as const);
  return live.filter(([key, metadata]) => filter.accepts(key, metadata)).map(([key]) => key);
}
