// Metadata filters evaluated in the engine, over filter columns the facade keeps in linear memory
// (src/filter/columns.ts lays them out, src/filter/program.ts compiles a filter against them). No JS
// runs per entry: a search's traversal asks filterMatches(slot) only of the slots it reaches.
//
// A column is one field path: a 16-byte record per slot (its one value inline, or where its several
// values start in the column's pool) and the pool; layout in src/filter/columns.ts. Values are a tag
// (TAG_*) and an f64: the number, or the string's dictionary id.
// A program is instruction records (RECORD_BYTES each) in postfix order, then the value lists they
// point into; evaluating it leaves one boolean on a stack of bytes:
//   OP_ALL                 true
//   OP_AND n, OP_OR n      pops n, pushes their conjunction / disjunction
//   OP_NOT                 negates the top
//   OP_EXISTS              some branch has a value
//   OP_MATCH               (matchLeaf) true when (bits & 1) and the path is missing somewhere, or some
//                          candidate is null (bits & 2), false (bits & 4), true (bits & 8), a number in
//                          its sorted list or its range (lo, hi) (incl: 1 lo included, 2 hi included),
//                          or a string whose id is in its sorted list.

export const OP_ALL: i32 = 1;
export const OP_AND: i32 = 2;
export const OP_OR: i32 = 3;
export const OP_NOT: i32 = 4;
export const OP_EXISTS: i32 = 5;
export const OP_MATCH: i32 = 6;

// What a filtered search runs (assembly/hnsw.ts hnswSearch's `filtered`).
export const FILTER_NONE: i32 = 0;
export const FILTER_PROGRAM: i32 = 1;
export const FILTER_HOST: i32 = 2;

export const TAG_NULL: i32 = 1;
export const TAG_FALSE: i32 = 2;
export const TAG_TRUE: i32 = 3;
export const TAG_NUMBER: i32 = 4;
export const TAG_STRING: i32 = 5;

// The program being evaluated: set by filterUse, read by every filterMatches until the next.
let progPtr: usize = 0;
let progCount: i32 = 0;
let stackPtr: usize = 0;
/**
 * The common shapes, evaluated without the stack: one leaf, or one $and / $or of leaves (short-
 * circuited): 1 a leaf, 2 leaves then OP_AND, 3 leaves then OP_OR, 0 anything else.
 */
let shape = 0;

/** Bytes between the threads' evaluation stacks (filterStacks); thread t's is stackPtr + t·stride. */
let stackStride: usize = 0;

/** Bytes of one instruction record (src/filter/program.ts writes them). */
export const RECORD_BYTES: i32 = 64;

/** The address of instruction `i` of the program at `prog`. */
@inline function recordAt(prog: usize, i: i32): usize {
  return prog + <usize>i * <usize>RECORD_BYTES;
}

/**
 * Installs a program of `count` instruction records at `prog` (RECORD_BYTES each, then the value
 * lists they point into) and its evaluation stack (one byte per instruction, at least).
 */
export function filterUse(prog: usize, count: i32, stack: usize): void {
  progPtr = prog;
  progCount = count;
  stackPtr = stack;
  shape = 0;
  let leaves = true;
  for (let i = 0; i < count - 1; i++) {
    const op = load<i32>(recordAt(prog, i));
    if (op != OP_MATCH && op != OP_EXISTS) leaves = false;
  }
  const last = count > 0 ? load<i32>(recordAt(prog, count - 1)) : 0;
  if (count == 1 && (last == OP_MATCH || last == OP_EXISTS)) shape = 1;
  else if (count > 1 && leaves && (last == OP_AND || last == OP_OR) && load<i32>(recordAt(prog, count - 1), 4) == count - 1) {
    shape = last == OP_AND ? 2 : 3;
  }
}

/**
 * Before a parallel filtered batch: the installed program's evaluation stacks, one per thread,
 * `stride` bytes apart from `base` (thread 0's). Threads share the program and the columns, which
 * they only read; a stack is written on every evaluation.
 */
export function filterStacks(base: usize, stride: usize): void {
  stackPtr = base;
  stackStride = stride;
}

/** Saves the installed program for the workers of a parallel job (the state block's bytes 160..180). */
export function saveFilterState(p: usize): void {
  store<u32>(p, <u32>progPtr, 160);
  store<i32>(p, progCount, 164);
  store<u32>(p, <u32>stackPtr, 168);
  store<u32>(p, <u32>stackStride, 172);
  store<i32>(p, shape, 176);
}

/** A worker's side of saveFilterState: the owner's program, and thread `t`'s own stack. */
export function adoptFilterState(p: usize, t: i32): void {
  progPtr = <usize>load<u32>(p, 160);
  progCount = load<i32>(p, 164);
  stackStride = <usize>load<u32>(p, 172);
  stackPtr = <usize>load<u32>(p, 168) + <usize>t * stackStride;
  shape = load<i32>(p, 176);
}

/** A leaf record (OP_MATCH or OP_EXISTS) for `slot`. */
@inline function leaf(rec: usize, slot: u32): bool {
  if (load<i32>(rec) == OP_MATCH) return matchLeaf(rec, slot);
  return (load<u32>(slotRecord(rec, slot), 8) & PRESENT) != 0;
}

/** Instructions of the installed program. */
export function programSize(): i32 {
  return progCount;
}

/** Whether `x` is among `n` ascending values of type T at `at` (f64 numbers, i32 string ids). */
function inSorted<T>(at: usize, n: i32, x: T): bool {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<T>(at + <usize>mid * sizeof<T>());
    if (v == x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Whether one value (tag, v) satisfies an OP_MATCH record. Record: 0 op, 4 n, 8 slots, 12 pool,
 * 16 bits, 20 nNum, 24 numOff, 28 nStr, 32 strOff, 36 hasRange, 40 incl, 48 lo f64, 56 hi f64 (the
 * value lists at offsets from the program's start; numbers f64, string ids i32, both ascending).
 */
@inline function candidate(rec: usize, tag: i32, v: f64): bool {
  if (tag == TAG_NUMBER) {
    const nNum = load<i32>(rec, 20);
    if (nNum > 0 && inSorted<f64>(progPtr + <usize>load<i32>(rec, 24), nNum, v)) return true;
    if (load<i32>(rec, 36) == 0) return false;
    const incl = load<i32>(rec, 40);
    return ((incl & 1) != 0 ? v >= load<f64>(rec, 48) : v > load<f64>(rec, 48))
      && ((incl & 2) != 0 ? v <= load<f64>(rec, 56) : v < load<f64>(rec, 56));
  }
  if (tag == TAG_STRING) {
    const nStr = load<i32>(rec, 28);
    return nStr > 0 && inSorted<i32>(progPtr + <usize>load<i32>(rec, 32), nStr, <i32>v);
  }
  // TAG_NULL, TAG_FALSE, TAG_TRUE are 1, 2, 3: bits 2, 4, 8.
  return (load<i32>(rec, 16) & (1 << tag)) != 0;
}

// A column's per-slot record (src/filter/columns.ts): f64 value, u32 meta, u32 pool index.
const HAS_ENTRY: u32 = 1;
const MISSING: u32 = 2;
const PRESENT: u32 = 4;

/** The 16-byte record of `slot` in the column an instruction names. */
@inline function slotRecord(rec: usize, slot: u32): usize {
  return <usize>load<u32>(rec, 8) + (<usize>slot << 4);
}

/** An OP_MATCH record for `slot`. */
function matchLeaf(rec: usize, slot: u32): bool {
  const s = slotRecord(rec, slot);
  const meta = load<u32>(s, 8);
  const bits = load<i32>(rec, 16);
  if ((meta & HAS_ENTRY) == 0) return (bits & 1) != 0; // no entry: missing, nothing else
  if ((bits & 1) != 0 && (meta & MISSING) != 0) return true;
  const n = meta >> 6;
  if (n == 1) return candidate(rec, <i32>((meta >> 3) & 7), load<f64>(s));
  const values = <usize>load<u32>(rec, 12) + (<usize>load<u32>(s, 12) << 3);
  for (let i: u32 = 0; i < n; i++) {
    const c = values + (<usize>i << 4);
    if (candidate(rec, <i32>load<f64>(c), load<f64>(c, 8))) return true;
  }
  return false;
}

/** Whether `slot`'s metadata passes the installed program. */
export function filterMatches(slot: u32): bool {
  if (shape == 1) return leaf(progPtr, slot);
  if (shape >= 2) {
    const and = shape == 2;
    const n = progCount - 1;
    for (let i = 0; i < n; i++) if (leaf(recordAt(progPtr, i), slot) != and) return !and;
    return and;
  }
  let sp: usize = 0;
  for (let i = 0; i < progCount; i++) {
    const rec = recordAt(progPtr, i);
    const op = load<i32>(rec);
    let result: bool;
    if (op == OP_MATCH || op == OP_EXISTS) result = leaf(rec, slot);
    else if (op == OP_ALL) result = true;
    else if (op == OP_NOT) {
      sp--;
      result = load<u8>(stackPtr + sp) == 0;
    } else {
      const n = <usize>load<i32>(rec, 4);
      sp -= n;
      const and = op == OP_AND;
      result = and;
      for (let j: usize = 0; j < n; j++) {
        if ((load<u8>(stackPtr + sp + j) != 0) != and) {
          result = !and;
          break;
        }
      }
    }
    store<u8>(stackPtr + sp, result ? 1 : 0);
    sp++;
  }
  return load<u8>(stackPtr) != 0;
}
