/**
 * How a migration and a dual writer share one HnswIndex without losing a write.
 *
 * Every write to the index (a migrate batch, a dual writer's upsert or delete) runs on one FIFO lane,
 * so they never overlap (the index answers LOCKED to a write while a batchInsert runs) and they land in
 * the order they were made. A dual writer also records each key it has written (`written`): whatever
 * a copy read from the old store before that write is older, so migrate drops such records instead of
 * copying them over the newer value. Between the two rules, the last write to a key always wins:
 * - a batch that runs after a dual write was recorded skips the key (the dual write is newer);
 * - a batch that ran before may have copied the stale value, but the dual write's index task was
 *   queued after it on the same lane and overwrites it.
 */
import { type HnswIndex, MemvecError } from 'memvec';
import { Lane } from './lane.js';

export interface IndexWrites {
  readonly lane: Lane;
  /** Keys a dual writer wrote since it attached (empty without one). */
  readonly written: ReadonlySet<string>;
}

export interface AttachedWrites extends IndexWrites {
  readonly written: Set<string>;
}

// Keyed by the index object, so any migrate() into an index finds the dual writer attached to it,
// whether or not the caller passes it along: forgetting to would silently lose writes otherwise.
const attached = new WeakMap<HnswIndex, AttachedWrites>();

/** The lane and written keys of the dual writer attached to `index`, or a private lane if none is. */
export function writesTo(index: HnswIndex): IndexWrites {
  return attached.get(index) ?? { lane: new Lane(), written: new Set() };
}

/** Registers a dual writer's lane on `index`: one per index, since two would not order their writes. */
export function attach(index: HnswIndex): AttachedWrites {
  if (attached.has(index)) {
    throw new MemvecError('INVALID_ARGUMENT', 'this index already has a dual writer attached: detach it first');
  }
  const writes: AttachedWrites = { lane: new Lane(), written: new Set() };
  attached.set(index, writes);
  return writes;
}

export function detach(index: HnswIndex, writes: AttachedWrites): void {
  if (attached.get(index) === writes) attached.delete(index);
}
