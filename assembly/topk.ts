// A bounded min-heap that keeps the k best (id, score) pairs seen, so a scan over N vectors returns k
// results, not N. The root is the worst kept entry; "better" means a higher score, or an equal score and
// a lower id, which makes results deterministic under ties.
//
// The heap is a context object in engine memory (TopK), not module state, so that a second thread can
// later scan with a heap of its own; today's calls use the default one. Its arrays are sized by
// topkReset, before a scan: the scans themselves never allocate.
import { MAX_TOP_K } from './limits';

// @ts-ignore: decorator
@unmanaged export class TopK {
  ids: usize;
  scores: usize;
  cap: i32;
  k: i32;
  count: i32;
  min: f32;
}

function newTopK(): TopK {
  const t = changetype<TopK>(heap.alloc(offsetof<TopK>()));
  memory.fill(changetype<usize>(t), 0, offsetof<TopK>());
  return t;
}

/** The heap the exported calls use: the instance's own, or on a worker thread the one it was given (topkUse). */
export let defaultTopK: TopK = newTopK();

/** Owner: a new heap for a worker thread's share of a scan (flat.ts flatScanPart). */
export function topkNew(): usize {
  return changetype<usize>(newTopK());
}

/** Owner: topkReset for heap `t` (it may allocate, so a worker never calls it). */
export function topkResetOn(t: usize, k: i32, minScore: f32): i32 {
  const own = defaultTopK;
  defaultTopK = changetype<TopK>(t);
  const st = topkReset(k, minScore);
  defaultTopK = own;
  return st;
}

/** Makes heap `t` this instance's default (a worker, before its share of a scan). */
export function topkUse(t: usize): void {
  defaultTopK = changetype<TopK>(t);
}

/** Owner: offers every entry of heap `t` to the default heap, and empties `t` (merging the threads' heaps). */
export function topkMergeFrom(t: usize): void {
  const from = changetype<TopK>(t);
  const to = defaultTopK;
  for (let i = 0; i < from.count; i++) topkPush(to, idAt(from, i), scoreAt(from, i));
  from.count = 0;
}

// @ts-ignore: decorator
@inline function idAt(t: TopK, i: i32): u32 {
  return load<u32>(t.ids + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function scoreAt(t: TopK, i: i32): f32 {
  return load<f32>(t.scores + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function put(t: TopK, i: i32, id: u32, score: f32): void {
  store<u32>(t.ids + (<usize>i << 2), id);
  store<f32>(t.scores + (<usize>i << 2), score);
}

// @ts-ignore: decorator
@inline function worse(sa: f32, ia: u32, sb: f32, ib: u32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

function siftDown(t: TopK, start: i32, id: u32, score: f32): void {
  let i = start;
  const n = t.count;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) break;
    let c = l;
    const r = l + 1;
    if (r < n && worse(scoreAt(t, r), idAt(t, r), scoreAt(t, l), idAt(t, l))) c = r;
    if (!worse(scoreAt(t, c), idAt(t, c), score, id)) break;
    put(t, i, idAt(t, c), scoreAt(t, c));
    i = c;
  }
  put(t, i, id, score);
}

export function topkReset(k: i32, minScore: f32): i32 {
  if (k < 1 || k > MAX_TOP_K) return 1;
  const t = defaultTopK;
  if (k > t.cap) {
    // Old contents need not survive: the heap is empty after a reset.
    if (t.ids != 0) heap.free(t.ids);
    if (t.scores != 0) heap.free(t.scores);
    t.ids = heap.alloc(<usize>k << 2);
    t.scores = heap.alloc(<usize>k << 2);
    t.cap = k;
  }
  t.k = k;
  t.count = 0;
  t.min = minScore;
  return 0;
}

/** Offers one candidate; inlined into the scans so the common "not good enough" case is one compare. */
// @ts-ignore: decorator
@inline export function topkPush(t: TopK, id: u32, score: f32): void {
  if (score >= t.min) {
    const n = t.count;
    if (n < t.k) {
      // Sift up from the new leaf.
      t.count = n + 1;
      let i = n;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(score, id, scoreAt(t, p), idAt(t, p))) break;
        put(t, i, idAt(t, p), scoreAt(t, p));
        i = p;
      }
      put(t, i, id, score);
    } else if (worse(scoreAt(t, 0), idAt(t, 0), score, id)) {
      siftDown(t, 0, id, score);
    }
  }
}

export function topkDrain(outIds: usize, outScores: usize): i32 {
  const t = defaultTopK;
  const n = t.count;
  // Pop the worst entry into the last free output position until the heap is empty: best lands first.
  for (let pos = n - 1; pos >= 0; pos--) {
    store<u32>(outIds + (<usize>pos << 2), idAt(t, 0));
    store<f32>(outScores + (<usize>pos << 2), scoreAt(t, 0));
    t.count--;
    if (t.count > 0) siftDown(t, 0, idAt(t, t.count), scoreAt(t, t.count));
  }
  t.count = 0;
  return n;
}
