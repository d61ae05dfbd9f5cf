/**
 * The filters of search, searchBatch, count and deleteMany, checked once per call: an object filter
 * (src/filter/filter.ts) is compiled to a FilterNode, so a bad one is INVALID_ARGUMENT before anything
 * is searched or deleted; a function of (key, metadata) is kept as it is. Where each runs:
 * - an object filter in the engine, over filter columns (src/filter/columns.ts, program.ts): search
 *   evaluates it only for the slots the traversal reaches, count and deleteMany for every live slot,
 *   with no JS per entry;
 * - a function filter in JS: search calls it back only for the slots the traversal reaches (at most
 *   once per slot per search or batch), count and deleteMany once per live entry.
 */
import { MemvecError } from '../errors.js';
import type { HnswEngine } from '../engine/hnsw-engine.js';
import type { FilterColumns } from '../filter/columns.js';
import { compileFilter, type FilterNode, isPlainObject } from '../filter/filter.js';
import { compileProgram } from '../filter/program.js';
import { describe } from '../validate.js';

/** Whether the live entry with this key and (stored, frozen) metadata passes a function filter. */
export type EntryPredicate = (key: string, metadata: unknown) => boolean;

export type EntryFilter = { kind: 'function'; accepts: EntryPredicate } | { kind: 'object'; node: FilterNode };

/** What a filter may be: a function of (key, metadata), or an object filter. */
export function isFilter(v: unknown): boolean {
  return typeof v === 'function' || isPlainObject(v);
}

/** `filter` checked (INVALID_ARGUMENT naming the bad part of an object filter, or if it is neither kind). */
export function toEntryFilter(filter: unknown): EntryFilter {
  if (typeof filter === 'function') return { kind: 'function', accepts: filter as EntryPredicate };
  if (!isPlainObject(filter)) {
    throw new MemvecError(
      'INVALID_ARGUMENT',
      `filter must be a function (key, metadata) => boolean or an object filter such as { lang: 'en' }, got ${describe(filter)}`,
    );
  }
  return { kind: 'object', node: compileFilter(filter) };
}

/** Installs an object filter's program in the engine, compiled against the index's columns. */
export function installProgram(engine: HnswEngine, columns: FilterColumns, node: FilterNode): void {
  const program = compileProgram(node, columns);
  engine.useProgram(program.bytes, program.count, program.stackBytes);
}
