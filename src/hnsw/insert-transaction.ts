/**
 * An open engine transaction of inserts, and what it has done so far, so that it can be committed
 * (the slot table learns the new slots) or undone (the engine's undo log restores the graph exactly,
 * so a failed insert or batchInsert leaves no trace). Upsert appends a new slot and marks the old one
 * deleted only at commit: rollback is then a matter of forgetting appended slots.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';
import { renumber } from './renumber.js';
import type { Rows } from './rows.js';
import type { Gang } from '../threads/gang.js';
import { isMemvecError } from '../errors.js';
import { setSlotMeta, type SlotTable } from './slot-table.js';

export class InsertTransaction {
  /** Slots the transaction marked as replaced (committed ones and earlier rows of the same batch). */
  private readonly replaced: number[] = [];
  /** Key -> newest slot written by this transaction. */
  private readonly byKey = new Map<string, number>();
  /** Per row inserted so far, its slot. */
  private readonly slots: number[] = [];

  private constructor(
    private readonly engine: HnswEngine,
    private readonly table: SlotTable,
    private readonly dimension: number,
    private readonly rows: Rows,
  ) {}

  /** Reserves engine memory for every row (or throws, `what` saying what failed), then begins. */
  static begin(engine: HnswEngine, table: SlotTable, dimension: number, rows: Rows, what: string): InsertTransaction {
    engine.reserve(rows.keys.length, what);
    engine.txBegin();
    return new InsertTransaction(engine, table, dimension, rows);
  }

  /** Writes row i's vector into the next slot and links it into the graph. */
  insertRow(i: number): void {
    const { engine, rows } = this;
    const dim = this.dimension;
    const key = rows.keys[i]!;
    const stored = rows.stored;
    if (stored === undefined) engine.writeNext(rows.data.subarray(i * dim, (i + 1) * dim));
    else engine.writeStored(stored.codes[i]!);
    this.replacePrevious(key);
    const got = engine.insert(
      `inserting ${rows.keys.length === 1 ? 'a vector' : `row ${i}`}`,
      stored === undefined ? undefined : { norm: stored.norms[i]!, original: stored.originals?.[i] ?? null },
    );
    this.record(key, got);
  }

  /**
   * Marks the slot `key` holds now (committed, or from an earlier row) as replaced before its
   * successor is linked: it must not become a neighbour of it (it is about to be deleted).
   */
  private replacePrevious(key: string): void {
    const prev = this.byKey.get(key) ?? this.table.keyToSlot.get(key);
    if (prev !== undefined && this.engine.setReplaced(prev, true)) this.replaced.push(prev);
  }

  /** `key`'s new slot, for commit (and for a later row of the same key). */
  private record(key: string, slot: number): void {
    this.byKey.set(key, slot);
    this.slots.push(slot);
  }

  /**
   * Rows from..from + count - 1 as one round on `threads` threads (assembly/hnsw-parallel.ts): placed
   * in consecutive slots, written, then linked by every thread at once. The bookkeeping is insertRow's.
   */
  insertRound(from: number, count: number, gang: Gang, threads: number): void {
    const { engine, rows } = this;
    const dim = this.dimension;
    const stored = rows.stored;
    const what = count === 1 ? `inserting row ${from}` : `inserting rows ${from} to ${from + count - 1}`;
    let first: number;
    try {
      first = engine.beginRound(count, stored !== undefined, what);
    } catch (err) {
      // A round reserves the undo log for the most its rows could change; near the memory ceiling
      // that bound may not fit where the rows themselves do: then they go in one by one.
      if (!isMemvecError(err, 'CAPACITY')) throw err;
      for (let j = 0; j < count; j++) this.insertRow(from + j);
      return;
    }
    for (let j = 0; j < count; j++) {
      const i = from + j;
      const slot = first + j;
      if (stored === undefined) engine.writeRoundRow(j, rows.data.subarray(i * dim, (i + 1) * dim));
      else engine.writeRoundStored(j, slot, stored.codes[i]!, stored.norms[i]!);
      // After beginRound placed the slots (with clear flags): an earlier row of this round may be replaced.
      const key = rows.keys[i]!;
      this.replacePrevious(key);
      this.record(key, slot);
    }
    const originals = stored === undefined ? undefined : (stored.originals ?? []).slice(from, from + count);
    engine.runRound(gang, threads, first, count, what, originals);
  }

  rollback(): void {
    this.engine.txRollback();
    // Slots appended by the transaction are gone (the engine ignores them); committed ones come back.
    for (const slot of this.replaced) this.engine.setReplaced(slot, false);
  }

  /** Ends the transaction for good: the slots it replaced are deleted, the new ones take their keys. */
  commit(): void {
    const { engine, table, rows } = this;
    engine.txCommit();
    for (let i = 0; i < this.slots.length; i++) {
      const key = rows.keys[i]!;
      const slot = this.slots[i]!;
      const old = table.keyToSlot.get(key);
      if (old !== undefined) {
        engine.markDeleted(old);
        table.slotKey[old] = undefined;
        setSlotMeta(table, old, undefined);
      }
      table.keyToSlot.set(key, slot);
      table.slotKey[slot] = key;
      setSlotMeta(table, slot, rows.metas[i]);
    }
  }

  /** Renumbers the slots this transaction appended (from `base` on), and its own slot lists with them. */
  renumberFrom(base: number): void {
    const map = renumber(this.engine, this.table, base);
    if (map === null) return;
    const newOf = new Uint32Array(map.length);
    for (let i = 0; i < map.length; i++) newOf[map[i]! - base] = base + i;
    const re = (slot: number): number => (slot >= base ? newOf[slot - base]! : slot);
    for (let i = 0; i < this.slots.length; i++) this.slots[i] = re(this.slots[i]!);
    for (let i = 0; i < this.replaced.length; i++) this.replaced[i] = re(this.replaced[i]!);
    for (const [key, slot] of this.byKey) this.byKey.set(key, re(slot));
  }
}
