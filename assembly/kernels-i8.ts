// i8 codes (layout in element.ts): per-vector ranges, so a dot product of two reconstructions
//   a·b = Σ (oa + sa·qa)(ob + sb·qb) = d·oa·ob + oa·sb·Σqb + ob·sa·Σqa + sa·sb·Σ qa·qb
// is one integer dot product over the codes plus terms the headers already hold. The integer dot is
// i32x4.dot_i16x8_s over codes widened to i16: a product is at most 2^14 and a lane adds at most
// 2 · 65536 / 8 of them, so an i32 never overflows at any dimension the engine accepts.
import { I8_HEADER_BYTES } from './element';

// @ts-ignore: decorator
@inline function scaleOf(v: usize): f32 {
  return load<f32>(v);
}
// @ts-ignore: decorator
@inline function offsetOf(v: usize): f32 {
  return load<f32>(v, 4);
}
// @ts-ignore: decorator
@inline function codeSumOf(v: usize): i32 {
  return load<i32>(v, 8);
}
/** |reconstruction|², computed once at encode. */
// @ts-ignore: decorator
@inline export function normSqI8(v: usize): f32 {
  return load<f32>(v, 12);
}

/** Σ qa·qb over `dim` codes at `a` and `b` (no headers). */
// @ts-ignore: decorator
@inline function codeDot(a: usize, b: usize, dim: i32): i32 {
  let s: i32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = i32x4.splat(0);
    let acc1 = i32x4.splat(0);
    let acc2 = i32x4.splat(0);
    let acc3 = i32x4.splat(0);
    const n32 = dim & ~31;
    for (; i < n32; i += 32) {
      const va = v128.load(a + <usize>i);
      const vb = v128.load(b + <usize>i);
      const wa = v128.load(a + <usize>i, 16);
      const wb = v128.load(b + <usize>i, 16);
      acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(va), i16x8.extend_low_i8x16_s(vb)));
      acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(va), i16x8.extend_high_i8x16_s(vb)));
      acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(wa), i16x8.extend_low_i8x16_s(wb)));
      acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(wa), i16x8.extend_high_i8x16_s(wb)));
    }
    const n16 = dim & ~15;
    for (; i < n16; i += 16) {
      const va = v128.load(a + <usize>i);
      const vb = v128.load(b + <usize>i);
      acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(va), i16x8.extend_low_i8x16_s(vb)));
      acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(va), i16x8.extend_high_i8x16_s(vb)));
    }
    const acc = i32x4.add(i32x4.add(acc0, acc1), i32x4.add(acc2, acc3));
    s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (; i < dim; i++) s += <i32>load<i8>(a + <usize>i) * <i32>load<i8>(b + <usize>i);
  return s;
}

/**
 * The dot product of the reconstructions of codes `a` and `b` from `q`, the integer dot of their codes
 * (however it was computed: codeDot here, the exact store's scan in flat.ts), and their headers.
 */
// @ts-ignore: decorator
@inline export function reconstructedDot(a: usize, b: usize, dim: i32, q: i32): f32 {
  const sa = <f64>scaleOf(a), oa = <f64>offsetOf(a);
  const sb = <f64>scaleOf(b), ob = <f64>offsetOf(b);
  // In f64: the terms can be large and of opposite sign (data far from zero, like SIFT's).
  return <f32>(sa * sb * <f64>q + oa * sb * <f64>codeSumOf(b) + ob * sa * <f64>codeSumOf(a) + <f64>dim * oa * ob);
}

/** The dot product of the reconstructions of codes `a` and `b`. */
// @ts-ignore: decorator
@inline export function dotI8Inline(a: usize, b: usize, dim: i32): f32 {
  return reconstructedDot(a, b, dim, codeDot(a + <usize>I8_HEADER_BYTES, b + <usize>I8_HEADER_BYTES, dim));
}

/** |a - b|² of the reconstructions, from their norms and dot product. */
// @ts-ignore: decorator
@inline export function l2sqI8Inline(a: usize, b: usize, dim: i32): f32 {
  const d = <f64>normSqI8(a) + <f64>normSqI8(b) - 2 * <f64>dotI8Inline(a, b, dim);
  return d > 0 ? <f32>d : 0;
}

/**
 * Encodes `dim` f32 at `src` as an i8 code at `dst` (header + codes): the range is the vector's own
 * min..max in 256 steps, so nothing is clamped; a constant vector gets scale 0 and codes 0.
 */
export function encodeI8(src: usize, dst: usize, dim: i32): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < dim; i++) {
    const x = <f64>load<f32>(src + (<usize>i << 2));
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const scale = <f32>((hi - lo) / 255);
  const inv: f64 = scale > 0 ? 1 / <f64>scale : 0;
  const offset = <f32>(lo + 128 * <f64>scale);
  const codes = dst + <usize>I8_HEADER_BYTES;
  let sum: i32 = 0;
  let normSq: f64 = 0;
  for (let i = 0; i < dim; i++) {
    // A constant vector (scale 0) codes as 0, not as the bottom of an empty range (-128): offset is
    // then the value itself, and the header's code sum is 0.
    let q: i32 = 0;
    if (scale > 0) {
      q = <i32>nearest<f64>((<f64>load<f32>(src + (<usize>i << 2)) - lo) * inv) - 128;
      q = q < -128 ? -128 : q > 127 ? 127 : q;
    }
    store<i8>(codes + <usize>i, <i8>q);
    sum += q;
    const r = <f64>offset + <f64>scale * <f64>q;
    normSq += r * r;
  }
  store<f32>(dst, scale);
  store<f32>(dst, offset, 4);
  store<i32>(dst, sum, 8);
  store<f32>(dst, <f32>normSq, 12);
}

/** Decodes the i8 code at `src` to `dim` f32 (the reconstruction) at `dst`. */
export function decodeI8(src: usize, dst: usize, dim: i32): void {
  const scale = scaleOf(src), offset = offsetOf(src);
  const codes = src + <usize>I8_HEADER_BYTES;
  for (let i = 0; i < dim; i++) store<f32>(dst + (<usize>i << 2), offset + scale * <f32>load<i8>(codes + <usize>i));
}

export function dotI8(a: usize, b: usize, dim: i32): f32 {
  return dotI8Inline(a, b, dim);
}

export function l2sqI8(a: usize, b: usize, dim: i32): f32 {
  return l2sqI8Inline(a, b, dim);
}

export function codeNormSqI8(a: usize): f32 {
  return normSqI8(a);
}
