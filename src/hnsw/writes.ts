/**
 * The writes of an index, on its core: insert, batchInsert, delete, deleteMany and updateMetadata,
 * each with its argument checks. HnswIndex's write methods call these, and so does the replay of a
 * persistent index's log (log-replay.ts), so a replayed write is exactly the write that was logged
 * (and input the writer would have refused is refused again).
 *
 * Each follows the journal's order (src/hnsw/index-file.ts): an insert is linked in an engine
 * transaction, logged, and only then committed in memory; a delete or metadata change is logged
 * first and then made in memory, where it cannot fail. A failed call leaves the index as it was.
 */
import { MemvecError } from '../errors.js';
import { describe } from '../validate.js';
import { runBatch } from './batch.js';
import { isFilter, toEntryFilter } from './entry-filter.js';
import { matchingKeys } from './matching-keys.js';
import type { IndexCore } from './index-core.js';
import { InsertTransaction } from './insert-transaction.js';
import { batchArguments, singleRow } from './rows.js';
import { setSlotMeta } from './slot-table.js';
import { now } from './time.js';
import type { HnswFilter } from './types.js';
import { checkLookupKey, toStoredMetadata } from './validate.js';

/** Inserts, or replaces the entry with the same key (vector and metadata both). */
export function insert(core: IndexCore, key: unknown, vector: unknown, metadata: unknown): void {
  const startedAt = now();
  const engine = core.writable('insert');
  const { dimension, metric } = core.config;
  const rows = singleRow(key, vector, metadata, dimension, metric);
  const tx = InsertTransaction.begin(engine, core.slots, dimension, rows, 'inserting a vector');
  try {
    tx.insertRow(0);
    // The file first: memory never runs ahead of it (src/hnsw/index-file.ts).
    core.journal?.logInsert(rows, false);
  } catch (err) {
    if (core.engine !== null) tx.rollback();
    throw err;
  }
  tx.commit();
  core.journal?.committed(startedAt);
}

/** batchInsert, either form (entries, or flat vectors with keys and metadata): all rows or none. */
export async function batchInsert(core: IndexCore, a: unknown, b?: unknown, c?: unknown, d?: unknown): Promise<void> {
  core.writable('batchInsert');
  const { rows, options } = batchArguments(a, b, c, d, core.config.dimension, core.config.metric);
  await runBatch(core, 'batchInsert', rows, options);
}

/** Removes an entry; false if the key was not there. Its slot stays in the graph as a waypoint. */
export function deleteKey(core: IndexCore, key: string): boolean {
  const engine = core.writable('delete');
  const { keyToSlot, slotKey, slotMeta } = core.slots;
  const slot = keyToSlot.get(checkLookupKey(key));
  if (slot === undefined) return false;
  const startedAt = now();
  core.journal?.logDelete([key]);
  engine.markDeleted(slot);
  keyToSlot.delete(key);
  slotKey[slot] = undefined;
  slotMeta[slot] = undefined;
  core.journal?.committed(startedAt);
  return true;
}

/**
 * Removes the entries of the given keys (or of the live entries a filter accepts) as ONE commit;
 * returns how many were removed. See HnswIndex.deleteMany.
 */
export function deleteMany(core: IndexCore, keysOrFilter: readonly string[] | HnswFilter<never>): number {
  if (isFilter(keysOrFilter)) {
    core.writable('deleteMany');
    // Compiled (and checked) before anything is looked at; the keys go through the one deleteMany path.
    return deleteMany(core, matchingKeys(core, toEntryFilter(keysOrFilter)));
  }
  const keys = keysOrFilter as readonly string[];
  const engine = core.writable('deleteMany');
  if (!Array.isArray(keys)) {
    throw new MemvecError('INVALID_ARGUMENT', `deleteMany takes an array of keys or a filter (an object or a function), got ${describe(keys)}`);
  }
  const { keyToSlot, slotKey, slotMeta } = core.slots;
  const present = new Map<string, number>();
  // A plain loop, not forEach: a hole in a sparse array is undefined here, and refused.
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (typeof key !== 'string') throw new MemvecError('INVALID_ARGUMENT', `keys[${i}] must be a string, got ${describe(key)}`);
    const slot = keyToSlot.get(key);
    if (slot !== undefined) present.set(key, slot);
  }
  if (present.size === 0) return 0;
  const startedAt = now();
  core.journal?.logDelete([...present.keys()]);
  for (const [key, slot] of present) {
    engine.markDeleted(slot);
    keyToSlot.delete(key);
    slotKey[slot] = undefined;
    slotMeta[slot] = undefined;
  }
  core.journal?.committed(startedAt);
  return present.size;
}

/** Replaces an entry's metadata (undefined removes it), keeping its vector and place in the graph. */
export function updateMetadata(core: IndexCore, key: string, metadata: unknown): void {
  core.writable('updateMetadata');
  const slot = core.slots.keyToSlot.get(checkLookupKey(key));
  const stored = toStoredMetadata(metadata, 'metadata');
  if (slot === undefined) throw new MemvecError('UNKNOWN_ID', `no entry with key ${describe(key)}`);
  const startedAt = now();
  core.journal?.logUpdateMetadata(key, stored);
  setSlotMeta(core.slots, slot, stored);
  core.journal?.committed(startedAt);
}
