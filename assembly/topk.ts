// A bounded min-heap that keeps the k best (id, score) pairs seen, so a scan over N vectors returns k
// results, not N. The root is the worst kept entry; "better" means a higher score, or an equal score and
// a lower id, which makes results deterministic under ties.
import { MAX_TOP_K } from './limits';

let heapIds: usize = 0;
let heapScores: usize = 0;
let heapCap: i32 = 0;
let heapK: i32 = 0;
let heapCount: i32 = 0;
let heapMin: f32 = 0;

// @ts-ignore: decorator
@inline function idAt(i: i32): u32 {
  return load<u32>(heapIds + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function scoreAt(i: i32): f32 {
  return load<f32>(heapScores + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function put(i: i32, id: u32, score: f32): void {
  store<u32>(heapIds + (<usize>i << 2), id);
  store<f32>(heapScores + (<usize>i << 2), score);
}

// @ts-ignore: decorator
@inline function worse(sa: f32, ia: u32, sb: f32, ib: u32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

function siftDown(start: i32, id: u32, score: f32): void {
  let i = start;
  const n = heapCount;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) break;
    let c = l;
    const r = l + 1;
    if (r < n && worse(scoreAt(r), idAt(r), scoreAt(l), idAt(l))) c = r;
    if (!worse(scoreAt(c), idAt(c), score, id)) break;
    put(i, idAt(c), scoreAt(c));
    i = c;
  }
  put(i, id, score);
}

export function topkReset(k: i32, minScore: f32): i32 {
  if (k < 1 || k > MAX_TOP_K) return 1;
  if (k > heapCap) {
    // Old contents need not survive: the heap is empty after a reset.
    if (heapIds != 0) heap.free(heapIds);
    if (heapScores != 0) heap.free(heapScores);
    heapIds = heap.alloc(<usize>k << 2);
    heapScores = heap.alloc(<usize>k << 2);
    heapCap = k;
  }
  heapK = k;
  heapCount = 0;
  heapMin = minScore;
  return 0;
}

/** Offers one candidate; inlined into the scans so the common "not good enough" case is one compare. */
// @ts-ignore: decorator
@inline export function topkPush(id: u32, score: f32): void {
  if (score >= heapMin) {
    if (heapCount < heapK) {
      // Sift up from the new leaf.
      let i = heapCount++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(score, id, scoreAt(p), idAt(p))) break;
        put(i, idAt(p), scoreAt(p));
        i = p;
      }
      put(i, id, score);
    } else if (worse(scoreAt(0), idAt(0), score, id)) {
      siftDown(0, id, score);
    }
  }
}

export function topkDrain(outIds: usize, outScores: usize): i32 {
  const n = heapCount;
  // Pop the worst entry into the last free output position until the heap is empty: best lands first.
  for (let pos = n - 1; pos >= 0; pos--) {
    store<u32>(outIds + (<usize>pos << 2), idAt(0));
    store<f32>(outScores + (<usize>pos << 2), scoreAt(0));
    heapCount--;
    if (heapCount > 0) siftDown(0, idAt(heapCount), scoreAt(heapCount));
  }
  heapCount = 0;
  return n;
}
