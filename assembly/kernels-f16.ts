// f16 codes: conversion from f32 (at insert, in JS-facing encode) and the distance kernels, which widen
// halves to f32 in registers, so a scan reads half the bytes of f32 and computes in f32.
//
// Widening without a half-float instruction (WASM SIMD has none): shift the 15 exponent-and-mantissa
// bits into f32 position and rebias the exponent by 112. A half subnormal (exponent 0) gets one more
// exponent step and then has 2^-14 subtracted, which renormalizes it exactly; no step ever produces an
// f32 subnormal, whose arithmetic is slow on x86. Inf and NaN never occur: encoding clamps to ±65504
// and the facade rejects NaN and Infinity before anything is stored.
import { lastNormSq, setLastNormSq } from './kernels';

const REBIAS: u32 = 112 << 23;
const SUBNORMAL_STEP: u32 = 1 << 23;
/** 2^-14, the smallest normal half. */
const MIN_NORMAL_BITS: u32 = 113 << 23;
/** 65504, the largest finite half. */
const F16_MAX_BITS: u32 = 0x477fe000;

/** f32 → f16 bits, round to nearest even; magnitudes past 65504 clamp to 65504. */
// @ts-ignore: decorator
@inline export function f32ToF16(x: f32): u16 {
  let a = reinterpret<u32>(x);
  const sign = <u16>((a >> 16) & 0x8000);
  a &= 0x7fffffff;
  if (a > F16_MAX_BITS) return sign | 0x7bff;
  if (a < MIN_NORMAL_BITS) {
    // Subnormal or zero: adding 0.5 lines the 10 mantissa bits up at the bottom of the f32, and the
    // float addition rounds to nearest even for us.
    const f = reinterpret<f32>(a) + <f32>0.5;
    return sign | <u16>(reinterpret<u32>(f) - 0x3f000000);
  }
  const odd = (a >> 13) & 1;
  a += 0xc8000fff + odd; // rebias (15 - 127) << 23, plus the rounding bias
  return sign | <u16>(a >> 13);
}

/** f16 bits → f32 (exact). */
// @ts-ignore: decorator
@inline export function f16ToF32(h: u16): f32 {
  let u = (<u32>h & 0x7fff) << 13;
  const subnormal = (u & 0x0f800000) == 0;
  u += REBIAS;
  let f: f32;
  if (subnormal) f = reinterpret<f32>(u + SUBNORMAL_STEP) - reinterpret<f32>(MIN_NORMAL_BITS);
  else f = reinterpret<f32>(u);
  return reinterpret<f32>(reinterpret<u32>(f) | ((<u32>h & 0x8000) << 16));
}

/** Four halves (the low or high half of `h`, per `high`) widened to f32x4. */
// @ts-ignore: decorator
@inline function widen4(h32: v128): v128 {
  const bits = i32x4.shl(v128.and(h32, i32x4.splat(0x7fff)), 13);
  const subnormal = i32x4.eq(v128.and(bits, i32x4.splat(0x0f800000)), i32x4.splat(0));
  const u = i32x4.add(i32x4.add(bits, i32x4.splat(REBIAS)), v128.and(subnormal, i32x4.splat(SUBNORMAL_STEP)));
  const f = f32x4.sub(u, v128.and(subnormal, i32x4.splat(MIN_NORMAL_BITS)));
  return v128.or(f, i32x4.shl(v128.and(h32, i32x4.splat(0x8000)), 16));
}

// @ts-ignore: decorator
@inline function widenLow(h: v128): v128 {
  return widen4(i32x4.extend_low_i16x8_u(h));
}

// @ts-ignore: decorator
@inline function widenHigh(h: v128): v128 {
  return widen4(i32x4.extend_high_i16x8_u(h));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Encodes `dim` f32 at `src` as halves at `dst`. */
export function encodeF16(src: usize, dst: usize, dim: i32): void {
  for (let i = 0; i < dim; i++) store<u16>(dst + (<usize>i << 1), f32ToF16(load<f32>(src + (<usize>i << 2))));
}

/** Decodes `dim` halves at `src` to f32 at `dst`. */
export function decodeF16(src: usize, dst: usize, dim: i32): void {
  for (let i = 0; i < dim; i++) store<f32>(dst + (<usize>i << 2), f16ToF32(load<u16>(src + (<usize>i << 1))));
}

/** a·b, both f16. */
// @ts-ignore: decorator
@inline export function dotF16Inline(a: usize, b: usize, dim: i32): f32 {
  let s: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    const n8 = dim & ~7;
    for (; i < n8; i += 8) {
      const o = <usize>i << 1;
      const ha = v128.load(a + o);
      const hb = v128.load(b + o);
      acc0 = f32x4.add(acc0, f32x4.mul(widenLow(ha), widenLow(hb)));
      acc1 = f32x4.add(acc1, f32x4.mul(widenHigh(ha), widenHigh(hb)));
    }
    s = hsum(f32x4.add(acc0, acc1));
  }
  for (; i < dim; i++) {
    const o = <usize>i << 1;
    s += f16ToF32(load<u16>(a + o)) * f16ToF32(load<u16>(b + o));
  }
  return s;
}

/** |a - b|², both f16. */
// @ts-ignore: decorator
@inline export function l2sqF16Inline(a: usize, b: usize, dim: i32): f32 {
  let s: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    const n8 = dim & ~7;
    for (; i < n8; i += 8) {
      const o = <usize>i << 1;
      const ha = v128.load(a + o);
      const hb = v128.load(b + o);
      const d0 = f32x4.sub(widenLow(ha), widenLow(hb));
      const d1 = f32x4.sub(widenHigh(ha), widenHigh(hb));
      acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
      acc1 = f32x4.add(acc1, f32x4.mul(d1, d1));
    }
    s = hsum(f32x4.add(acc0, acc1));
  }
  for (; i < dim; i++) {
    const o = <usize>i << 1;
    const d = f16ToF32(load<u16>(a + o)) - f16ToF32(load<u16>(b + o));
    s += d * d;
  }
  return s;
}

/**
 * a·b with `a` f32 (a query) and `b` f16 (a stored row), and |b|² left in lastNormSq: the exact store
 * scans raw rows, so each row's norm comes from the same pass as its dot product.
 */
// @ts-ignore: decorator
@inline export function dotAndNormSqF32F16Inline(a: usize, b: usize, dim: i32): f32 {
  let s: f32 = 0;
  let n: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let d0 = f32x4.splat(0);
    let d1 = f32x4.splat(0);
    let n0 = f32x4.splat(0);
    let n1 = f32x4.splat(0);
    const n8 = dim & ~7;
    for (; i < n8; i += 8) {
      const hb = v128.load(b + (<usize>i << 1));
      const pa = a + (<usize>i << 2);
      const b0 = widenLow(hb);
      const b1 = widenHigh(hb);
      d0 = f32x4.add(d0, f32x4.mul(v128.load(pa), b0));
      d1 = f32x4.add(d1, f32x4.mul(v128.load(pa, 16), b1));
      n0 = f32x4.add(n0, f32x4.mul(b0, b0));
      n1 = f32x4.add(n1, f32x4.mul(b1, b1));
    }
    s = hsum(f32x4.add(d0, d1));
    n = hsum(f32x4.add(n0, n1));
  }
  for (; i < dim; i++) {
    const bv = f16ToF32(load<u16>(b + (<usize>i << 1)));
    s += load<f32>(a + (<usize>i << 2)) * bv;
    n += bv * bv;
  }
  setLastNormSq(n);
  return s;
}

export function dotF16(a: usize, b: usize, dim: i32): f32 {
  return dotF16Inline(a, b, dim);
}

export function l2sqF16(a: usize, b: usize, dim: i32): f32 {
  return l2sqF16Inline(a, b, dim);
}

/** a (f32) · b (f16); |b|² goes to lastNormSqOut (for tests and the facade's checks). */
export function dotAndNormSqF32F16(a: usize, b: usize, dim: i32): f32 {
  return dotAndNormSqF32F16Inline(a, b, dim);
}

export function lastNormSqOut(): f32 {
  return lastNormSq;
}
