/**
 * The filters of search, searchBatch, count and deleteMany, made one thing: a predicate over a live
 * entry's key and metadata. A function filter is that already; an object filter (src/filter/filter.ts)
 * is checked and compiled ONCE per call, so a bad one is INVALID_ARGUMENT before anything is searched
 * or deleted, and then evaluated with matchesFilter against each entry's metadata.
 *
 * Both kinds run in JS once per live entry per call (an O(n) pass before the graph traversal): the
 * cost issue 9's engine-side evaluation will remove. Keeping both behind one predicate means the
 * allow-mask path (search.ts) does not care which kind it got.
 */
import { MemvecError } from '../errors.js';
import { compileFilter, isPlainObject, matchesFilter } from '../filter/filter.js';
import { describe } from '../validate.js';
import type { SlotTable } from './slot-table.js';

/** Whether the live entry with this key and (stored, frozen) metadata passes the filter. */
export type EntryPredicate = (key: string, metadata: unknown) => boolean;

/** What a filter may be: a function of (key, metadata), or an object filter. */
export function isFilter(v: unknown): boolean {
  return typeof v === 'function' || isPlainObject(v);
}

/** `filter` as a predicate; INVALID_ARGUMENT (naming the bad part of an object filter) if it is neither kind. */
export function toEntryPredicate(filter: unknown): EntryPredicate {
  if (typeof filter === 'function') return filter as EntryPredicate;
  if (!isPlainObject(filter)) {
    throw new MemvecError(
      'INVALID_ARGUMENT',
      `filter must be a function (key, metadata) => boolean or an object filter such as { lang: 'en' }, got ${describe(filter)}`,
    );
  }
  const node = compileFilter(filter);
  return (_key, metadata) => matchesFilter(node, metadata);
}

/**
 * The keys of the live entries `accepts` passes. The entries are listed before the first call, since
 * a function filter may call back into the index (and change it) while this runs.
 */
export function matchingKeys(table: SlotTable, accepts: EntryPredicate): string[] {
  const live = [...table.keyToSlot].map(([key, slot]) => [key, table.slotMeta[slot]] as const);
  return live.filter(([key, metadata]) => accepts(key, metadata)).map(([key]) => key);
}
