// Metadata filters evaluated in the engine, over filter columns the facade keeps in linear memory
// (src/filter/columns.ts lays them out, src/filter/program.ts compiles a filter against them). No JS
// runs per entry: a search's traversal asks filterMatches(slot) only of the slots it reaches.
//
// A column is one field path. Per slot, `head` (u32) indexes the column's f64 `pool` at the slot's
// entry, 0 meaning none yet (the field is missing):
//   pool[e]              flags + 4·n: flag 1 the path is missing on some branch, flag 2 it has a value
//   pool[e + 1 + 2i]     candidate i's tag (TAG_*)
//   pool[e + 2 + 2i]     candidate i's value: the number, or the string's dictionary id
// A program is f64 words in postfix order; evaluating it leaves one boolean on a stack of bytes:
//   OP_ALL                                     true
//   OP_AND n, OP_OR n                          pops n, pushes their conjunction / disjunction
//   OP_NOT                                     negates the top
//   OP_EXISTS head pool                        some branch has a value
//   OP_MATCH head pool bits nNum num… nStr str… hasRange lo hi incl
//       true when (bits & 1) and the path is missing somewhere, or some candidate is null (bits & 2),
//       false (bits & 4), true (bits & 8), a number in the sorted list num… or in the range
//       (lo, hi) (incl: 1 lo included, 2 hi included), or a string whose id is in the sorted list str….

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
let progWords: i32 = 0;
let stackPtr: usize = 0;

/** Installs a program (`words` f64 at `prog`) and its evaluation stack (one byte per leaf, at least). */
export function filterUse(prog: usize, words: i32, stack: usize): void {
  progPtr = prog;
  progWords = words;
  stackPtr = stack;
}

@inline function word(i: i32): f64 {
  return load<f64>(progPtr + (<usize>i << 3));
}

/** The pool index of `slot`'s entry in a column, 0 when it has none. */
@inline function entryOf(head: usize, slot: u32): usize {
  return <usize>load<u32>(head + (<usize>slot << 2));
}

/** Whether `x` is among `n` ascending f64 words from program word `at`. */
function inSorted(at: i32, n: i32, x: f64): bool {
  let lo = at;
  let hi = at + n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = word(mid);
    if (v == x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** OP_MATCH at program word `at` for `slot`. */
function matchLeaf(at: i32, slot: u32): bool {
  const head = <usize>word(at + 1);
  const pool = <usize>word(at + 2);
  const bits = <i32>word(at + 3);
  const nNum = <i32>word(at + 4);
  const numAt = at + 5;
  const nStr = <i32>word(numAt + nNum);
  const strAt = numAt + nNum + 1;
  const rangeAt = strAt + nStr;
  const e = entryOf(head, slot);
  if (e == 0) return (bits & 1) != 0; // no entry: missing, nothing else
  const meta = <i32>load<f64>(pool + (e << 3));
  if ((bits & 1) != 0 && (meta & 1) != 0) return true;
  const n = meta >> 2;
  const hasRange = word(rangeAt) != 0;
  const lo = word(rangeAt + 1);
  const hi = word(rangeAt + 2);
  const incl = <i32>word(rangeAt + 3);
  for (let i = 0; i < n; i++) {
    const c = pool + ((e + 1 + (<usize>i << 1)) << 3);
    const tag = <i32>load<f64>(c);
    const v = load<f64>(c, 8);
    if (tag == TAG_NUMBER) {
      if (nNum > 0 && inSorted(numAt, nNum, v)) return true;
      if (hasRange && ((incl & 1) != 0 ? v >= lo : v > lo) && ((incl & 2) != 0 ? v <= hi : v < hi)) return true;
    } else if (tag == TAG_STRING) {
      if (nStr > 0 && inSorted(strAt, nStr, v)) return true;
    } else if (tag == TAG_NULL) {
      if ((bits & 2) != 0) return true;
    } else if (tag == TAG_FALSE) {
      if ((bits & 4) != 0) return true;
    } else if (tag == TAG_TRUE) {
      if ((bits & 8) != 0) return true;
    }
  }
  return false;
}

/** Words of the instruction at `at`. */
function width(at: i32): i32 {
  const op = <i32>word(at);
  if (op == OP_AND || op == OP_OR) return 2;
  if (op == OP_EXISTS) return 3;
  if (op == OP_MATCH) {
    const nNum = <i32>word(at + 4);
    const nStr = <i32>word(at + 5 + nNum);
    return 5 + nNum + 1 + nStr + 4;
  }
  return 1;
}

/** Whether `slot`'s metadata passes the installed program. */
export function filterMatches(slot: u32): bool {
  let sp: usize = 0;
  let at = 0;
  while (at < progWords) {
    const op = <i32>word(at);
    let result: bool;
    if (op == OP_MATCH) result = matchLeaf(at, slot);
    else if (op == OP_EXISTS) {
      const e = entryOf(<usize>word(at + 1), slot);
      result = e != 0 && (<i32>load<f64>(<usize>word(at + 2) + (e << 3)) & 2) != 0;
    } else if (op == OP_ALL) result = true;
    else if (op == OP_NOT) {
      sp--;
      result = load<u8>(stackPtr + sp) == 0;
    } else {
      const n = <usize>word(at + 1);
      sp -= n;
      result = op == OP_AND;
      for (let i: usize = 0; i < n; i++) {
        const v = load<u8>(stackPtr + sp + i) != 0;
        if (op == OP_AND ? !v : v) {
          result = !result;
          break;
        }
      }
    }
    store<u8>(stackPtr + sp, result ? 1 : 0);
    sp++;
    at += width(at);
  }
  return load<u8>(stackPtr) != 0;
}
