// Plain-JS reference implementations that tests compare the engine against: the straightforward loops
// a reader can check by eye.

export function refDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function refL2sq(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

export function refCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = Math.sqrt(refDot(a, a));
  const nb = Math.sqrt(refDot(b, b));
  return na === 0 || nb === 0 ? 0 : refDot(a, b) / (na * nb);
}

/** Exact top-k by cosine over rows of a flat array, skipping all-zero rows; ties broken by lower id. */
export function refCosineTopK(
  data: Float32Array,
  dim: number,
  query: ArrayLike<number>,
  k: number,
  minScore = 0,
  ids?: number[],
): Array<[number, number]> {
  const scored: Array<[number, number]> = [];
  const candidates = ids ?? Array.from({ length: data.length / dim }, (_, i) => i);
  for (const id of candidates) {
    const row = data.subarray(id * dim, (id + 1) * dim);
    if (row.every((x) => x === 0)) continue;
    const s = refCosine(query, row);
    if (s >= minScore) scored.push([id, s]);
  }
  scored.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  return scored.slice(0, k);
}
