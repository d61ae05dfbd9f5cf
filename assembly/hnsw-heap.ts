// Binary heaps over preallocated u64 arrays for HNSW traversal. Each entry packs a distance and a node
// id into one u64 key: the high 32 bits are the f32 distance's bits remapped so that unsigned integer
// order equals float order (negatives included: 1 - dot can be below 0), the low 32 bits are the id.
// One integer compare then orders by distance and breaks ties by id, so results are deterministic and
// the heaps never touch a float or a second array.

// @ts-ignore: decorator
@inline export function distKey(d: f32, id: u32): u64 {
  const b = reinterpret<u32>(d);
  // Positive floats: set the sign bit so they sort above all negatives. Negative floats: flip every bit
  // so that larger magnitudes sort lower.
  const s = b ^ (<u32>(<i32>b >> 31) | 0x80000000);
  return (<u64>s << 32) | <u64>id;
}

// @ts-ignore: decorator
@inline export function keyDist(key: u64): f32 {
  const s = <u32>(key >> 32);
  return reinterpret<f32>(s & 0x80000000 ? s ^ 0x80000000 : ~s);
}

// @ts-ignore: decorator
@inline export function keyId(key: u64): u32 {
  return <u32>key;
}

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): u64 {
  return load<u64>(base + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function put(base: usize, i: i32, key: u64): void {
  store<u64>(base + (<usize>i << 3), key);
}

/** Min-heap push; `n` is the size before the push. */
// @ts-ignore: decorator
@inline export function minPush(base: usize, n: i32, key: u64): void {
  let i = n;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pk = at(base, p);
    if (pk <= key) break;
    put(base, i, pk);
    i = p;
  }
  put(base, i, key);
}

/** Min-heap: puts `key` at the root of a heap of `n` entries and sifts it down. */
export function minSiftDown(base: usize, n: i32, key: u64): void {
  minSiftDownFrom(base, n, 0, key);
}

/** Min-heap: puts `key` at position `start` of a heap of `n` entries and sifts it down. */
// @ts-ignore: decorator
@inline export function minSiftDownFrom(base: usize, n: i32, start: i32, key: u64): void {
  let i = start;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let ck = at(base, c);
    if (c + 1 < n) {
      const rk = at(base, c + 1);
      if (rk < ck) {
        c++;
        ck = rk;
      }
    }
    if (key <= ck) break;
    put(base, i, ck);
    i = c;
  }
  put(base, i, key);
}

/** Max-heap push; `n` is the size before the push. */
// @ts-ignore: decorator
@inline export function maxPush(base: usize, n: i32, key: u64): void {
  let i = n;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pk = at(base, p);
    if (pk >= key) break;
    put(base, i, pk);
    i = p;
  }
  put(base, i, key);
}

/** Max-heap: puts `key` at the root of a heap of `n` entries and sifts it down. */
export function maxSiftDown(base: usize, n: i32, key: u64): void {
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let ck = at(base, c);
    if (c + 1 < n) {
      const rk = at(base, c + 1);
      if (rk > ck) {
        c++;
        ck = rk;
      }
    }
    if (key >= ck) break;
    put(base, i, ck);
    i = c;
  }
  put(base, i, key);
}

/** Turns any array of `n` keys into a min-heap in place (Floyd: O(n)). */
export function minHeapify(base: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) minSiftDownFrom(base, n, i, at(base, i));
}

/**
 * Empties a max-heap of `n` entries into `out` in ascending order (the largest is popped first and
 * written last), so the caller gets the nearest first.
 */
export function maxDrainAscending(base: usize, n: i32, out: usize): void {
  for (let size = n; size > 0; size--) {
    put(out, size - 1, at(base, 0));
    if (size > 1) maxSiftDown(base, size - 1, at(base, size - 1));
  }
}

/** Insertion sort, ascending: for neighbour lists of at most 2·M + 1 entries. */
export function sortKeys(base: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const key = at(base, i);
    let j = i - 1;
    while (j >= 0 && at(base, j) > key) {
      put(base, j + 1, at(base, j));
      j--;
    }
    put(base, j + 1, key);
  }
}
