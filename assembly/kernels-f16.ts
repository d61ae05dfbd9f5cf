// f16 codes: conversion from f32 (at insert, in JS-facing encode) and the distance kernels, which widen
// halves to f32 in registers, so a scan reads half the bytes of f32 and computes in f32.
//
// Magnitudes below 2^-14 (6.1e-5) are stored as zero: encoding flushes every result that would be a
// half subnormal (|x| < 2^-14 after rounding) to ±0, keeping the sign. That is what makes widening
// cheap. WASM SIMD has no half-float instruction, so a half is widened by putting its 15 exponent-and-
// mantissa bits in f32 position and multiplying by 2^112 (rebiasing the exponent from 15 to 127); the
// sign rides along in bit 31, so the multiply produces the signed value: 4 operations per 4 halves.
// The multiply is exact for every finite half, but for a half subnormal its operand is an f32
// subnormal, which x86 handles with a microcode assist (~100 cycles; V8 does not set DAZ/FTZ for WASM).
// Stored codes never hold such patterns, so scans never pay it; a crafted subnormal pattern (one not
// written by encodeF16) still decodes exactly, only slower. Inf and NaN never occur: encoding clamps to
// ±65504 and the facade rejects NaN and Infinity before anything is stored.
// The scalar f16ToF32 widens the same way, so the SIMD and scalar builds agree bit for bit.

import { lastNormSq, setLastNormSq } from './kernels';

/** 2^112 (f32 bits), the exponent rebias from half (15) to f32 (127). */
const REBIAS_BITS: u32 = (127 + 112) << 23;
/** 2^-14, the smallest normal half: smaller encoded magnitudes are flushed to zero. */
const MIN_NORMAL_BITS: u32 = 113 << 23;
/** 65504, the largest finite half. */
const F16_MAX_BITS: u32 = 0x477fe000;
/** The sign bit and the 4 exponent + 23 mantissa bits a shifted half can occupy, in an f32. */
const WIDE_MASK: u32 = 0x8fffffff;

/**
 * f32 → f16 bits, round to nearest even; magnitudes past 65504 clamp to 65504, and results below 2^-14
 * (half subnormals) flush to ±0.
 */
// @ts-ignore: decorator
@inline export function f32ToF16(x: f32): u16 {
  let a = reinterpret<u32>(x);
  const sign = <u16>((a >> 16) & 0x8000);
  a &= 0x7fffffff;
  if (a > F16_MAX_BITS) return sign | 0x7bff;
  if (a < MIN_NORMAL_BITS) {
    // Adding 0.5 lines the 10 subnormal mantissa bits up at the bottom of the f32, and the float addition
    // rounds to nearest even for us. The result is at most 0x400 (2^-14, when x rounds up into the normal
    // range), which is kept; anything below it would be a subnormal and is flushed to zero.
    const f = reinterpret<f32>(a) + <f32>0.5;
    return sign | (<u16>(reinterpret<u32>(f) - 0x3f000000) & 0x400);
  }
  const odd = (a >> 13) & 1;
  a += 0xc8000fff + odd; // rebias (15 - 127) << 23, plus the rounding bias
  return sign | <u16>(a >> 13);
}

/**
 * f16 bits → f32, exact for every finite half. Sign-extending the half and shifting it left by 13 puts
 * its sign in bit 31 (with copies in bits 30..28, masked off) and its exponent and mantissa in f32
 * position; × 2^112 rebiases the exponent. A subnormal half (never stored by encodeF16, see the header)
 * makes that operand an f32 subnormal: still exact, only slow on x86.
 */
// @ts-ignore: decorator
@inline export function f16ToF32(h: u16): f32 {
  const u = (<u32><i32><i16>h << 13) & WIDE_MASK;
  return reinterpret<f32>(u) * reinterpret<f32>(REBIAS_BITS);
}

/** Four halves, sign-extended to i32 lanes, widened to f32x4 (as f16ToF32). */
// @ts-ignore: decorator
@inline function widen4(h32: v128): v128 {
  const u = v128.and(i32x4.shl(h32, 13), i32x4.splat(WIDE_MASK));
  return f32x4.mul(u, f32x4.splat(reinterpret<f32>(REBIAS_BITS)));
}

// @ts-ignore: decorator
@inline function widenLow(h: v128): v128 {
  return widen4(i32x4.extend_low_i16x8_s(h));
}

// @ts-ignore: decorator
@inline function widenHigh(h: v128): v128 {
  return widen4(i32x4.extend_high_i16x8_s(h));
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
