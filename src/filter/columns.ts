/**
 * Filter columns: the metadata of an index laid out in engine memory, one column per field path a
 * filter has used, so the engine evaluates object filters with no JS per entry (layout and evaluator:
 * assembly/filter-eval.ts). A column is built over every slot the first time a filter names its path
 * (one pass over the metadata), then kept current: the slot table records which slots' metadata
 * changed (slot-table.ts), and sync() re-encodes just those before the next evaluation. Strings are
 * dictionary-encoded, one dictionary per index. Nothing is stored in files: columns are derived from
 * the metadata, which is, so they survive save/load and reopening by being rebuilt when first used.
 *
 * Why columns per used path rather than per declared or per top-level field: any path a filter can
 * name (dotted, through arrays) works with no declaration, and an index pays memory only for the
 * fields its filters use.
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
  /** u32 per slot: the slot's entry in `pool` (f64 index), 0 for none (the path is missing). */
  headPtr: number;
  headCap: number;
  /** f64 words of entries; word 0 is never used, so 0 can mean none. */
  poolPtr: number;
  poolCap: number;
  poolUsed: number;
  /** Words of the entries heads point to: the rest is garbage, dropped when the pool is rebuilt. */
  liveWords: number;
}

const HEAD_MIN = 1024;

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
    if (c.headPtr !== 0) this.mem.free(c.headPtr);
    if (c.poolPtr !== 0) this.mem.free(c.poolPtr);
    c.headPtr = c.poolPtr = 0;
  }

  /** A column over every slot; `old` (if any) is freed once the new one is made. */
  private build(path: readonly string[], old: Column | null): Column {
    const slots = this.source.slotMeta.length;
    const headCap = Math.max(HEAD_MIN, slots);
    const poolCap = Math.max(1024, (old?.liveWords ?? 0) * 2 + 1, slots * 3 + 1);
    const headPtr = this.mem.alloc(headCap * 4, 'a filter column');
    let poolPtr: number;
    try {
      poolPtr = this.mem.alloc(poolCap * 8, 'a filter column');
    } catch (err) {
      this.mem.free(headPtr);
      throw err;
    }
    if (old !== null) this.release(old);
    const c: Column = { headPtr, headCap, poolPtr, poolCap, poolUsed: 1, liveWords: 0 };
    this.mem.u32.fill(0, headPtr >>> 2, (headPtr >>> 2) + headCap);
    for (let slot = 0; slot < slots; slot++) this.put(c, path, slot);
    return c;
  }

  /** Writes `slot`'s entry (its head stays 0 when the path is simply missing). */
  private put(c: Column, path: readonly string[], slot: number): void {
    if (slot >= c.headCap) this.growHead(c, slot + 1);
    const u32 = this.mem.u32;
    const headAt = (c.headPtr >>> 2) + slot;
    const old = u32[headAt]!;
    if (old !== 0) c.liveWords -= 1 + 2 * (this.mem.f64[(c.poolPtr >>> 3) + old]! >> 2);
    u32[headAt] = 0;
    const meta = this.source.slotMeta[slot];
    if (meta === undefined) return;
    const fv = fieldValues(meta, path);
    const words: number[] = [];
    for (const v of fv.candidates) {
      if (v === null) words.push(TAG.NULL, 0);
      else if (v === false) words.push(TAG.FALSE, 0);
      else if (v === true) words.push(TAG.TRUE, 0);
      else if (typeof v === 'number') words.push(TAG.NUMBER, v);
      else if (typeof v === 'string') words.push(TAG.STRING, this.intern(v));
      // Objects and arrays inside arrays equal no filter value: they are left out.
    }
    if (!fv.present && words.length === 0) return; // missing: what no entry means
    const need = 1 + words.length;
    // A rebuilt column has encoded this slot already.
    if (c.poolUsed + need > c.poolCap && this.growPool(c, path, need)) return;
    const at = c.poolUsed;
    const f64 = this.mem.f64;
    const base = (c.poolPtr >>> 3) + at;
    f64[base] = (fv.missing ? 1 : 0) + (fv.present ? 2 : 0) + 4 * (words.length / 2);
    for (let i = 0; i < words.length; i++) f64[base + 1 + i] = words[i]!;
    c.poolUsed += need;
    c.liveWords += need;
    this.mem.u32[(c.headPtr >>> 2) + slot] = at;
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

  private growHead(c: Column, slots: number): void {
    const cap = Math.max(slots, c.headCap * 2);
    const ptr = this.mem.alloc(cap * 4, 'a filter column');
    const u32 = this.mem.u32;
    u32.copyWithin(ptr >>> 2, c.headPtr >>> 2, (c.headPtr >>> 2) + c.headCap);
    u32.fill(0, (ptr >>> 2) + c.headCap, (ptr >>> 2) + cap);
    this.mem.free(c.headPtr);
    c.headPtr = ptr;
    c.headCap = cap;
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
