// SIMD f32 distance kernels for any dimension. Four f32x4 accumulators over 16 floats per step keep
// several independent add chains in flight; a 4-wide loop and a scalar loop handle the tail, so any
// dimension works and no vector needs padding.

export const METRIC_COSINE: i32 = 0;
export const METRIC_EUCLIDEAN: i32 = 1;
export const METRIC_DOT: i32 = 2;

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline export function dotInline(a: usize, b: usize, dim: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let i = 0;
  const n16 = dim & ~15;
  for (; i < n16; i += 16) {
    const pa = a + (<usize>i << 2);
    const pb = b + (<usize>i << 2);
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(pa), v128.load(pb)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
    acc2 = f32x4.add(acc2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
    acc3 = f32x4.add(acc3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3)));
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

// @ts-ignore: decorator
@inline export function l2sqInline(a: usize, b: usize, dim: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let i = 0;
  const n16 = dim & ~15;
  for (; i < n16; i += 16) {
    const pa = a + (<usize>i << 2);
    const pb = b + (<usize>i << 2);
    const d0 = f32x4.sub(v128.load(pa), v128.load(pb));
    const d1 = f32x4.sub(v128.load(pa, 16), v128.load(pb, 16));
    const d2 = f32x4.sub(v128.load(pa, 32), v128.load(pb, 32));
    const d3 = f32x4.sub(v128.load(pa, 48), v128.load(pb, 48));
    acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
    acc1 = f32x4.add(acc1, f32x4.mul(d1, d1));
    acc2 = f32x4.add(acc2, f32x4.mul(d2, d2));
    acc3 = f32x4.add(acc3, f32x4.mul(d3, d3));
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(a + o), v128.load(b + o));
    acc0 = f32x4.add(acc0, f32x4.mul(d, d));
  }
  let s = hsum(f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3)));
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(a + o) - load<f32>(b + o);
    s += d * d;
  }
  return s;
}

/** Set by dotAndNormSqInline: the squared norm of its second argument (AS has no multi-value returns). */
export let lastNormSq: f32 = 0;

// One pass that yields both a·b and |b|²: the exact store scans raw (unnormalized) vectors, and reading
// each vector once instead of twice keeps the scan memory-bound rather than twice memory-bound.
// @ts-ignore: decorator
@inline export function dotAndNormSqInline(a: usize, b: usize, dim: i32): f32 {
  let d0 = f32x4.splat(0);
  let d1 = f32x4.splat(0);
  let n0 = f32x4.splat(0);
  let n1 = f32x4.splat(0);
  let i = 0;
  const n8 = dim & ~7;
  for (; i < n8; i += 8) {
    const pa = a + (<usize>i << 2);
    const pb = b + (<usize>i << 2);
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(pa), b0));
    d1 = f32x4.add(d1, f32x4.mul(v128.load(pa, 16), b1));
    n0 = f32x4.add(n0, f32x4.mul(b0, b0));
    n1 = f32x4.add(n1, f32x4.mul(b1, b1));
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const bv = v128.load(b + o);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(a + o), bv));
    n0 = f32x4.add(n0, f32x4.mul(bv, bv));
  }
  let s = hsum(f32x4.add(d0, d1));
  let n = hsum(f32x4.add(n0, n1));
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    const bv = load<f32>(b + o);
    s += load<f32>(a + o) * bv;
    n += bv * bv;
  }
  lastNormSq = n;
  return s;
}

export function dot(a: usize, b: usize, dim: i32): f32 {
  return dotInline(a, b, dim);
}

export function l2sq(a: usize, b: usize, dim: i32): f32 {
  return l2sqInline(a, b, dim);
}

export function normSq(a: usize, dim: i32): f32 {
  return dotInline(a, a, dim);
}

export function cosine(a: usize, b: usize, dim: i32): f32 {
  const na = dotInline(a, a, dim);
  const ab = dotAndNormSqInline(a, b, dim);
  const nb = lastNormSq;
  if (na == 0 || nb == 0) return 0;
  return ab / (Mathf.sqrt(na) * Mathf.sqrt(nb));
}

export function normalize(a: usize, dim: i32): f32 {
  const norm = Mathf.sqrt(dotInline(a, a, dim));
  if (norm == 0) return 0;
  const inv = f32x4.splat(<f32>1 / norm);
  const invScalar: f32 = <f32>1 / norm;
  let i = 0;
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const p = a + (<usize>i << 2);
    v128.store(p, f32x4.mul(v128.load(p), inv));
  }
  for (; i < dim; i++) {
    const p = a + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * invScalar);
  }
  return norm;
}

export function scoreBlock(metric: i32, query: usize, block: usize, count: i32, dim: i32, out: usize): void {
  const stride = <usize>dim << 2;
  if (metric == METRIC_COSINE) {
    const qn = Mathf.sqrt(dotInline(query, query, dim));
    for (let i = 0; i < count; i++) {
      const ab = dotAndNormSqInline(query, block + <usize>i * stride, dim);
      const nb = lastNormSq;
      store<f32>(out + (<usize>i << 2), qn == 0 || nb == 0 ? 0 : ab / (qn * Mathf.sqrt(nb)));
    }
  } else if (metric == METRIC_EUCLIDEAN) {
    for (let i = 0; i < count; i++) store<f32>(out + (<usize>i << 2), -l2sqInline(query, block + <usize>i * stride, dim));
  } else {
    for (let i = 0; i < count; i++) store<f32>(out + (<usize>i << 2), dotInline(query, block + <usize>i * stride, dim));
  }
}
