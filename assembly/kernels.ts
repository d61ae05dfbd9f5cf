// f32 distance kernels for any dimension. Four f32x4 accumulators over 16 floats per step keep
// several independent add chains in flight; a 4-wide loop and a scalar loop handle the tail, so any
// dimension works and no vector needs padding.
//
// One source, several builds (scripts/build-wasm.mjs): SIMD and scalar (for runtimes without WASM
// SIMD) ship; relaxed SIMD (fused multiply-add) is built on request for measuring only. ASC_FEATURE_*
// are compile-time constants and the compiler never compiles the branch not taken, so the scalar
// build contains no v128 at all.

export const METRIC_COSINE: i32 = 0;
export const METRIC_EUCLIDEAN: i32 = 1;
export const METRIC_DOT: i32 = 2;

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** acc + a·b per lane: fused where relaxed SIMD is enabled (one rounding instead of two). */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// Scalar kernels: four independent accumulators, as the SIMD versions keep four lanes in flight.
// @ts-ignore: decorator
@inline function dotScalar(a: usize, b: usize, dim: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let i = 0;
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    s0 += load<f32>(a + o) * load<f32>(b + o);
    s1 += load<f32>(a + o, 4) * load<f32>(b + o, 4);
    s2 += load<f32>(a + o, 8) * load<f32>(b + o, 8);
    s3 += load<f32>(a + o, 12) * load<f32>(b + o, 12);
  }
  let s = (s0 + s1) + (s2 + s3);
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

// @ts-ignore: decorator
@inline function l2sqScalar(a: usize, b: usize, dim: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let i = 0;
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d0 = load<f32>(a + o) - load<f32>(b + o);
    const d1 = load<f32>(a + o, 4) - load<f32>(b + o, 4);
    const d2 = load<f32>(a + o, 8) - load<f32>(b + o, 8);
    const d3 = load<f32>(a + o, 12) - load<f32>(b + o, 12);
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  let s = (s0 + s1) + (s2 + s3);
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(a + o) - load<f32>(b + o);
    s += d * d;
  }
  return s;
}

// @ts-ignore: decorator
@inline function dotAndNormSqScalar(a: usize, b: usize, dim: i32): f32 {
  let d0: f32 = 0, d1: f32 = 0, n0: f32 = 0, n1: f32 = 0;
  let i = 0;
  const n2 = dim & ~1;
  for (; i < n2; i += 2) {
    const o = <usize>i << 2;
    const b0 = load<f32>(b + o);
    const b1 = load<f32>(b + o, 4);
    d0 += load<f32>(a + o) * b0;
    d1 += load<f32>(a + o, 4) * b1;
    n0 += b0 * b0;
    n1 += b1 * b1;
  }
  let s = d0 + d1;
  let n = n0 + n1;
  for (; i < dim; i++) {
    const o = <usize>i << 2;
    const bv = load<f32>(b + o);
    s += load<f32>(a + o) * bv;
    n += bv * bv;
  }
  lastNormSq = n;
  return s;
}

// @ts-ignore: decorator
@inline export function dotInline(a: usize, b: usize, dim: i32): f32 {
  if (!ASC_FEATURE_SIMD) return dotScalar(a, b, dim);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let i = 0;
  const n16 = dim & ~15;
  for (; i < n16; i += 16) {
    const pa = a + (<usize>i << 2);
    const pb = b + (<usize>i << 2);
    acc0 = madd(v128.load(pa), v128.load(pb), acc0);
    acc1 = madd(v128.load(pa, 16), v128.load(pb, 16), acc1);
    acc2 = madd(v128.load(pa, 32), v128.load(pb, 32), acc2);
    acc3 = madd(v128.load(pa, 48), v128.load(pb, 48), acc3);
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    acc0 = madd(v128.load(a + o), v128.load(b + o), acc0);
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
  if (!ASC_FEATURE_SIMD) return l2sqScalar(a, b, dim);
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
    acc0 = madd(d0, d0, acc0);
    acc1 = madd(d1, d1, acc1);
    acc2 = madd(d2, d2, acc2);
    acc3 = madd(d3, d3, acc3);
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(a + o), v128.load(b + o));
    acc0 = madd(d, d, acc0);
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

/** For the other kinds' kernels (an imported binding cannot be assigned). */
// @ts-ignore: decorator
@inline export function setLastNormSq(n: f32): void {
  lastNormSq = n;
}

// One pass that yields both a·b and |b|²: the exact store scans raw (unnormalized) vectors, and reading
// each vector once instead of twice keeps the scan memory-bound rather than twice memory-bound.
// @ts-ignore: decorator
@inline export function dotAndNormSqInline(a: usize, b: usize, dim: i32): f32 {
  if (!ASC_FEATURE_SIMD) return dotAndNormSqScalar(a, b, dim);
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
    d0 = madd(v128.load(pa), b0, d0);
    d1 = madd(v128.load(pa, 16), b1, d1);
    n0 = madd(b0, b0, n0);
    n1 = madd(b1, b1, n1);
  }
  const n4 = dim & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const bv = v128.load(b + o);
    d0 = madd(v128.load(a + o), bv, d0);
    n0 = madd(bv, bv, n0);
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
  const invScalar: f32 = <f32>1 / norm;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const inv = f32x4.splat(invScalar);
    const n4 = dim & ~3;
    for (; i < n4; i += 4) {
      const p = a + (<usize>i << 2);
      v128.store(p, f32x4.mul(v128.load(p), inv));
    }
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
