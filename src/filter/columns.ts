/**
 * Filter columns: the metadata of an index laid out in engine memory, one column per field path a
 * filter has used, so the engine evaluates object filters with no JS per entry (layout and evaluator:
 * assembly/filter-eval.ts). A column is built over every slot the first time a filter names its path
 * (one pass over the metadata), then kept current: the slot table records which slots' metadata
 * changed (slot-table.ts), and update() re-encodes just those before the next evaluation. Strings are
 * dictionary-encoded, one dictionary per index. Nothing is stored in files: columns are derived from
 * the metadata, which is, so they survive save/load and reopening by being rebuilt when first used.
 *
 * Why columns per used path rather than per declared or per top-level field: any path a filter can
 * name (dotted, through arrays) works with no declaration, and an index pays memory only for the
 * fields its filters use: 16 bytes per slot, plus 16 per value for the slots holding several.
 *
 * Layout of a column (what filter-eval.ts reads):
 *   slots: 16 bytes per slot: f64 value, u32 meta, u32 pool index. meta: bit 0 the slot has an entry
 *          (a slot without one is missing the path), bit 1 the path is missing on some branch, bit 2 it
 *          has a value on some branch, bits 3-5 the tag of the one value held inline, bits 6+ how many
 *          values. One value lives inline; several live in the pool, from the pool index.
 *   pool:  f64 words, (tag, value) per value; word 0 unused.
 */
import { fieldValues } from './filter.js';
import { TAG } from './program-codes.js';

/** What the columns need of the engine: memory and its views (fetched again after every alloc). */
export interface ColumnMemory {
  alloc(bytes: number, what: string): number;
  free(ptr: number): void;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
}

/** The metadata source: per slot, its stored metadata (undefined for none or a dead slot). */
export interface MetadataSource {
  readonly slotMeta: readonly unknown[];
}

export interface Column {
  /** SLOT_BYTES per slot, zero (no entry) until put. */
  slotsPtr: number;
  slotsCap: number;
  /** f64 words of the values of slots holding several. */
  poolPtr: number;
  poolCap: number;
  poolUsed: number;
  /** Words slots point to: the rest is garbage, dropped when the column is rebuilt. */
  liveWords: number;
}

const SLOT_BYTES = 16;
const SLOTS_MIN = 1024;
const POOL_MIN = 1024;
const HAS_ENTRY = 1;
const MISSING = 2;
const PRESENT = 4;
const TAG_SHIFT = 3;
const COUNT_SHIFT = 6;

export class FilterColumns {
  private readonly ids = new Map<string, number>();
  /** id → string, from 1. */
  readonly strings: string[] = [''];
  private readonly columns = new Map<string, { path: string[]; column: Column }>();

  constructor(private readonly mem: ColumnMemory, private readonly source: MetadataSource) {}

  /** The dictionary id of `s`, or 0 if no stored metadata has it. */
  idOf(s: string): number {
    return this.ids.get(s) ?? 0;
  }

  /** The column of `path`, built over every slot if it is new. */
  column(path: readonly string[]): Column {
    const name = JSON.stringify(path);
    let c = this.columns.get(name);
    if (c === undefined) {
      c = { path: [...path], column: this.build(path, null) };
      this.columns.set(name, c);
    }
    return c.column;
  }

  /** Re-encodes `slots` (whose metadata changed) in every column. */
  update(slots: Iterable<number>): void {
    if (this.columns.size === 0) return;
    for (const slot of slots) {
      for (const c of this.columns.values()) this.put(c.column, c.path, slot);
    }
  }

  /** Frees every column (the engine is being released or replaced, or slots were renumbered). */
  clear(): void {
    for (const { column } of this.columns.values()) this.release(column);
    this.columns.clear();
  }

  private release(c: Column): void {
    if (c.slotsPtr !== 0) this.mem.free(c.slotsPtr);
    if (c.poolPtr !== 0) this.mem.free(c.poolPtr);
    c.slotsPtr = c.poolPtr = 0;
  }

  /** A column over every slot; `old` (if any) is freed once the new one is made. */
  private build(path: readonly string[], old: Column | null): Column {
    const slots = this.source.slotMeta.length;
    const slotsCap = Math.max(SLOTS_MIN, slots);
    const poolCap = Math.max(POOL_MIN, (old?.liveWords ?? 0) * 2 + 1);
    const slotsPtr = this.mem.alloc(slotsCap * SLOT_BYTES, 'a filter column');
    let poolPtr: number;
    try {
      poolPtr = this.mem.alloc(poolCap * 8, 'a filter column');
    } catch (err) {
      this.mem.free(slotsPtr);
      throw err;
    }
    if (old !== null) this.release(old);
    const c: Column = { slotsPtr, slotsCap, poolPtr, poolCap, poolUsed: 1, liveWords: 0 };
    this.mem.u32.fill(0, slotsPtr >>> 2, (slotsPtr + slotsCap * SLOT_BYTES) >>> 2);
    for (let slot = 0; slot < slots; slot++) this.put(c, path, slot);
    return c;
  }

  /** Encodes `slot`'s values at `path` (a slot without metadata keeps no entry: it is missing the path). */
  private put(c: Column, path: readonly string[], slot: number): void {
    if (slot >= c.slotsCap) this.growSlots(c, slot + 1);
    const at = (c.slotsPtr >>> 2) + slot * (SLOT_BYTES / 4);
    const oldMeta = this.mem.u32[at + 2]!;
    if (oldMeta >>> COUNT_SHIFT > 1) c.liveWords -= 2 * (oldMeta >>> COUNT_SHIFT);
    this.mem.u32.fill(0, at, at + SLOT_BYTES / 4);
    const meta = this.source.slotMeta[slot];
    if (meta === undefined) return;
    const fv = fieldValues(meta, path);
    const values: number[] = [];
    for (const v of fv.candidates) {
      if (v === null) values.push(TAG.NULL, 0);
      else if (v === false) values.push(TAG.FALSE, 0);
      else if (v === true) values.push(TAG.TRUE, 0);
      else if (typeof v === 'number') values.push(TAG.NUMBER, v);
      else if (typeof v === 'string') values.push(TAG.STRING, this.intern(v));
      // Objects and arrays inside arrays equal no filter value: they are left out.
    }
    const n = values.length / 2;
    let word = HAS_ENTRY | (fv.missing ? MISSING : 0) | (fv.present ? PRESENT : 0) | (n << COUNT_SHIFT);
    let inline = 0;
    let poolIndex = 0;
    if (n === 1) {
      word |= values[0]! << TAG_SHIFT;
      inline = values[1]!;
    } else if (n > 1) {
      // A rebuilt column has encoded this slot already.
      if (c.poolUsed + values.length > c.poolCap && this.growPool(c, path, values.length)) return;
      poolIndex = c.poolUsed;
      this.mem.f64.set(values, (c.poolPtr >>> 3) + poolIndex);
      c.poolUsed += values.length;
      c.liveWords += values.length;
    }
    const base = (c.slotsPtr >>> 2) + slot * (SLOT_BYTES / 4);
    this.mem.f64[base >>> 1] = inline;
    const u32 = this.mem.u32;
    u32[base + 2] = word >>> 0;
    u32[base + 3] = poolIndex;
  }

  private intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  private growSlots(c: Column, slots: number): void {
    const cap = Math.max(slots, c.slotsCap * 2);
    const ptr = this.mem.alloc(cap * SLOT_BYTES, 'a filter column');
    const u32 = this.mem.u32;
    u32.copyWithin(ptr >>> 2, c.slotsPtr >>> 2, (c.slotsPtr + c.slotsCap * SLOT_BYTES) >>> 2);
    u32.fill(0, (ptr + c.slotsCap * SLOT_BYTES) >>> 2, (ptr + cap * SLOT_BYTES) >>> 2);
    this.mem.free(c.slotsPtr);
    c.slotsPtr = ptr;
    c.slotsCap = cap;
  }

  /**
   * Room for `need` more words: a bigger pool, or, when most of it is garbage, the column rebuilt from
   * the metadata (every slot re-encoded, the one being put included: then it returns true).
   */
  private growPool(c: Column, path: readonly string[], need: number): boolean {
    if (c.liveWords * 2 < c.poolUsed) {
      Object.assign(c, this.build(path, c));
      return true;
    }
    const cap = Math.max(c.poolCap * 2, c.poolUsed + need);
    const ptr = this.mem.alloc(cap * 8, 'a filter column');
    const f64 = this.mem.f64;
    f64.copyWithin(ptr >>> 3, c.poolPtr >>> 3, (c.poolPtr >>> 3) + c.poolUsed);
    this.mem.free(c.poolPtr);
    c.poolPtr = ptr;
    c.poolCap = cap;
    return false;
  }
}
