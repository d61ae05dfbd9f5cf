/**
 * Dual writers (phase 1 of moving from exact search to HNSW): while migrate() copies the old store into
 * the index, the application writes through one of these, and each write goes to the old store first,
 * then to the index, so the old store stays the source of truth and the index misses nothing.
 *
 * Ordering: writes reach the old store in call order (its own lane), then queue on the index's write
 * lane in that same order, behind or ahead of migrate's batches (src/migrate/write-lanes.ts); a write
 * does not wait for a running batch before reaching the old store, only before reaching the index.
 * Each call resolves when both stores have it.
 *
 * Arguments are checked for both stores before either is written, so bad input changes nothing. If the
 * old store's write fails, nothing reaches the index. If the index's write fails after the old store
 * took it (the index closed, disk full), the two differ: the writer stops (every later call is CLOSED,
 * naming the failure) rather than let them drift further apart; rebuild the index from the old store.
 */
import { type HnswIndex, MemMapVector, MemvecError } from 'memvec';
import { checkKey, checkLookupKey, toStoredMetadata } from '../hnsw/validate.js';
import { toBatch, toVector, type VectorInput } from '../validate.js';
import { checkIndex } from './checks.js';
import { checkKeyOf, type KeyOf, keyOfRow } from './records.js';
import { Lane } from './lane.js';
import { attach, type AttachedWrites, detach } from './write-lanes.js';

/** The old store as a keyed dual writer sees it: your store's upsert and delete (sync or async). */
export interface KeyedStore {
  upsert(key: string, vector: Float32Array, metadata: unknown): unknown;
  delete(key: string): unknown;
}

abstract class DualWriterBase {
  private readonly oldLane = new Lane();
  private readonly writes: AttachedWrites;
  private failure: unknown = undefined;
  private detached = false;

  /** `checkOld` runs before the writer attaches, so a bad old store leaves the index free. */
  protected constructor(readonly index: HnswIndex, checkOld: () => void) {
    checkIndex(index);
    checkOld();
    this.writes = attach(index);
  }

  private checkOpen(): void {
    if (this.detached) throw new MemvecError('CLOSED', 'the dual writer was detached');
    this.checkNotFailed();
  }

  private checkNotFailed(): void {
    if (this.failure !== undefined) {
      const detail = this.failure instanceof Error ? this.failure.message : String(this.failure);
      throw new MemvecError('CLOSED', `the dual writer stopped after a write reached the old store but not the index (${detail}): rebuild the index from the old store`, { cause: this.failure });
    }
  }

  /**
   * Runs `toOld` on the old store's lane, then `toIndex` on the index's lane; `toOld` returns the
   * keys it wrote and the value the call resolves to.
   */
  protected async write<T>(toOld: () => Promise<{ keys: string[]; result: T }>, toIndex: (keys: string[]) => unknown): Promise<T> {
    this.checkOpen();
    const queued = await this.oldLane.run(async () => {
      // A call queued behind one whose index write failed must not reach the old store either, nor
      // one to an index that was closed (size() throws CLOSED): the old store would get it alone.
      // (A call made before detach() still runs: detach waits for it.)
      this.checkNotFailed();
      this.index.size();
      const { keys, result } = await toOld();
      // Recorded as soon as the old store has the write: from now on a copied record of these keys is stale.
      for (const key of keys) this.writes.written.add(key);
      const indexed = this.writes.lane.run(() => toIndex(keys)).catch((err: unknown) => {
        this.failure ??= err;
        throw err;
      });
      return { indexed, result };
    });
    await queued.indexed;
    return queued.result;
  }

  /**
   * Waits for every write in flight, then releases the index: a later migrate() into it no longer
   * skips the keys written here, and this writer's calls are CLOSED. Call it once reads and writes have
   * moved to the index (or to stop dual writing).
   */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    await this.oldLane.idle();
    await this.writes.lane.idle();
    detach(this.index, this.writes);
  }
}

/** Dual writer for a keyed old store (your own, or another HnswIndex): upsert and delete by key. */
export class KeyedDualWriter extends DualWriterBase {
  private readonly old: KeyedStore;

  constructor(old: KeyedStore, index: HnswIndex) {
    super(index, () => {
      if (old === null || typeof old !== 'object' || typeof old.upsert !== 'function' || typeof old.delete !== 'function') {
        throw new MemvecError('INVALID_ARGUMENT', 'the old store must have upsert(key, vector, metadata) and delete(key)');
      }
    });
    this.old = old;
  }

  /** Inserts or replaces `key` in both stores. */
  upsert(key: string, vector: VectorInput, metadata?: unknown): Promise<void> {
    try {
      checkKey(key);
      const v = toVector(vector, this.index.dimension);
      const meta = toStoredMetadata(metadata, 'metadata');
      return this.write(async () => {
        await this.old.upsert(key, v, metadata);
        return { keys: [key], result: undefined };
      }, () => this.index.insert(key, v, meta));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Deletes `key` from both stores; resolves to whether the index held it. */
  delete(key: string): Promise<boolean> {
    try {
      checkLookupKey(key);
      let held = false;
      return this.write(async () => {
        await this.old.delete(key);
        return { keys: [key], result: undefined };
      }, () => (held = this.index.delete(key))).then(() => held);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/**
 * Dual writer for a MemMapVector old store: the same calls as the store (addVectors, markDeleted), with
 * each row's index key given by `keyOf(id)`, as in migrate().
 */
export class MemMapDualWriter extends DualWriterBase {
  private readonly old: MemMapVector;
  private readonly keyOf: KeyOf;

  constructor(old: MemMapVector, index: HnswIndex, options: { keyOf?: KeyOf } = {}) {
    let keyOf: KeyOf | undefined;
    super(index, () => {
      if (!(old instanceof MemMapVector)) throw new MemvecError('INVALID_ARGUMENT', 'the old store must be a MemMapVector');
      keyOf = checkKeyOf(options?.keyOf);
    });
    this.old = old;
    this.keyOf = keyOf!;
  }

  /** Appends vectors to the store and inserts them into the index; resolves to their ids. `metadata` goes to the index only. */
  addVectors(vectors: Float32Array | ReadonlyArray<ArrayLike<number>>, metadata?: readonly unknown[]): Promise<number[]> {
    try {
      if (this.old.dimension !== this.index.dimension) {
        throw new MemvecError('DIMENSION_MISMATCH', `the store has dimension ${this.old.dimension}, the index ${this.index.dimension}`);
      }
      const { data, count } = toBatch(vectors, this.index.dimension);
      if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== count)) {
        throw new MemvecError('INVALID_ARGUMENT', `metadata must be an array of ${count} values, one per vector`);
      }
      const metas = Array.from({ length: count }, (_, i) => toStoredMetadata(metadata?.[i], `metadata[${i}]`));
      return this.write(async () => {
        // The ids the store will give, so every key is checked before the store is written.
        const first = this.old.getTotalVectors();
        const keys = Array.from({ length: count }, (_, i) => keyOfRow(this.keyOf, first + i));
        const ids = this.old.addVectors(data);
        return { keys, result: ids };
      }, (keys) => (keys.length === 0 ? undefined : this.index.batchInsert(data, keys, metas)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Marks rows deleted in the store and deletes their keys from the index; resolves to how many were newly marked. */
  markDeleted(ids: number | readonly number[] | Uint32Array): Promise<number> {
    try {
      const list = typeof ids === 'number' ? [ids] : Array.from(ids as ArrayLike<number>);
      return this.write(async () => {
        const keys = list.map((id) => keyOfRow(this.keyOf, id));
        const marked = this.old.markDeleted(list);
        return { keys, result: marked };
      }, (keys) => {
        for (const key of keys) this.index.delete(key);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** A dual writer over `old` and `index`; one per index at a time (INVALID_ARGUMENT otherwise). */
export function createDualWriter(old: MemMapVector, index: HnswIndex, options?: { keyOf?: KeyOf }): MemMapDualWriter;
export function createDualWriter(old: KeyedStore, index: HnswIndex): KeyedDualWriter;
export function createDualWriter(old: MemMapVector | KeyedStore, index: HnswIndex, options?: { keyOf?: KeyOf }): MemMapDualWriter | KeyedDualWriter {
  return old instanceof MemMapVector ? new MemMapDualWriter(old, index, options) : new KeyedDualWriter(old, index);
}
