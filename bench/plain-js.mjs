// The plain-JS baseline: the loops a user would write without memvec, over Float32Arrays.

/** Dot product of `query` with each of `count` rows of `block`, one accumulator: the obvious loop. */
export function dotBlock(query, block, count, dim, out) {
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += query[j] * block[off + j];
    out[i] = s;
  }
}

/** As dotBlock, unrolled by 4 with 4 accumulators: what a careful JS author might write. */
export function dotBlockUnrolled(query, block, count, dim, out) {
  const d4 = dim & ~3;
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      s0 += query[j] * block[off + j];
      s1 += query[j + 1] * block[off + j + 1];
      s2 += query[j + 2] * block[off + j + 2];
      s3 += query[j + 3] * block[off + j + 3];
    }
    for (; j < dim; j++) s0 += query[j] * block[off + j];
    out[i] = s0 + s1 + s2 + s3;
  }
}

/** Cosine of `query` with each row, q·x and |x|² in one pass per row (the query norm computed once). */
export function cosineBlock(query, block, count, dim, out) {
  let qn = 0;
  for (let j = 0; j < dim; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn);
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    let s = 0, nn = 0;
    for (let j = 0; j < dim; j++) {
      const x = block[off + j];
      s += query[j] * x;
      nn += x * x;
    }
    out[i] = qn === 0 || nn === 0 ? 0 : s / (qn * Math.sqrt(nn));
  }
}

/**
 * A bounded top-k of (id, score), best first, kept as two small sorted arrays with insertion: for k = 10
 * this beats a heap in JS. Ties keep the lower id first (ids arrive in increasing order).
 */
export class TopK {
  constructor(k) {
    this.k = k;
    this.ids = new Int32Array(k);
    this.scores = new Float64Array(k);
    this.size = 0;
  }
  reset() { this.size = 0; }
  /** The score a candidate must beat to enter (−Infinity until full). */
  get threshold() { return this.size < this.k ? -Infinity : this.scores[this.k - 1]; }
  push(id, score) {
    const { k, ids, scores } = this;
    if (this.size === k && !(score > scores[k - 1])) return;
    let i = this.size < k ? this.size++ : k - 1;
    while (i > 0 && scores[i - 1] < score) {
      scores[i] = scores[i - 1];
      ids[i] = ids[i - 1];
      i--;
    }
    scores[i] = score;
    ids[i] = id;
  }
  /** Ids best first, as a plain array. */
  result() { return Array.from(this.ids.subarray(0, this.size)); }
}

/**
 * Exact cosine top-k by brute force over raw (unnormalized) rows: one pass per row computes both q·x
 * and |x|², the same work memvec's flat scan does, so neither side gets precomputed norms.
 * Returns ids best first.
 */
export function cosineTopK(data, n, dim, query, k, topk = new TopK(k)) {
  let qn = 0;
  for (let j = 0; j < dim; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn);
  topk.reset();
  if (qn === 0) return [];
  for (let i = 0; i < n; i++) {
    const off = i * dim;
    let s = 0, nn = 0;
    for (let j = 0; j < dim; j++) {
      const x = data[off + j];
      s += query[j] * x;
      nn += x * x;
    }
    if (nn === 0) continue;
    topk.push(i, s / (qn * Math.sqrt(nn)));
  }
  return topk.result();
}

/**
 * Groundtruth: exact cosine top-k ids for every query of a dataset, in plain JS (f64 accumulation,
 * independent of every library under test). Base norms are computed once here, since this is a
 * one-off precomputation, not the timed brute-force baseline.
 * @returns {Int32Array} q·k ids, query-major.
 */
export function exactGroundtruth(ds, k) {
  const { base, queries, n, q, dim } = ds;
  const invNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += base[i * dim + j] * base[i * dim + j];
    invNorm[i] = s === 0 ? 0 : 1 / Math.sqrt(s);
  }
  const out = new Int32Array(q * k).fill(-1);
  const topk = new TopK(k);
  for (let qi = 0; qi < q; qi++) {
    const qo = qi * dim;
    topk.reset();
    for (let i = 0; i < n; i++) {
      if (invNorm[i] === 0) continue;
      const off = i * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += queries[qo + j] * base[off + j];
      topk.push(i, s * invNorm[i]); // the query norm is a common factor: it does not change the order
    }
    out.set(topk.ids.subarray(0, topk.size), qi * k);
  }
  return out;
}
