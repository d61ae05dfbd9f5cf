// Plain-JS references for the quantized element kinds (assembly/element.ts, kernels-f16.ts,
// kernels-i8.ts), written from their documented definitions in f64 rather than from the engine's bit
// tricks, so that a test comparing the two checks the tricks.

/** The largest finite half float; f16 encoding clamps magnitudes past it (element.ts). */
export const F16_MAX = 65504;

/** Rounds to the nearest integer, ties to even (what WASM's `f64.nearest` does). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +∞
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * f32 value → f16 bits: round to nearest even, magnitudes past 65504 clamp to ±65504, results below 2^-14
 * (half subnormals) flush to ±0, sign of zero kept.
 */
export function refF32ToF16(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // IEEE would give Infinity from 65520 up; the engine documents a clamp to the largest finite half.
  if (a > F16_MAX) return sign | 0x7bff;
  // Below 2^-14 IEEE rounds to the subnormal halves, the multiples of 2^-24 (× 2^24 is exact in f64). The
  // engine documents that only a rounding up to 1024·2^-24 = 2^-14, the smallest normal (bits 0x400), is
  // kept; every subnormal result is stored as zero.
  if (a < 2 ** -14) return sign | (roundHalfEven(a * 2 ** 24) === 1024 ? 0x400 : 0);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // Math.log2 may be off by one next to a power of two
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven(a * 2 ** (10 - e)); // 11 significant bits, in [1024, 2048]
  if (m === 2048) {
    m = 1024;
    e++;
  }
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** f16 bits → value (exact in f64 and in f32). */
export function refF16ToF32(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const v = e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25);
  return h & 0x8000 ? -v : v; // -0 for 0x8000
}

export interface RefI8 {
  scale: number;
  offset: number;
  sum: number;
  normSq: number;
  codes: Int8Array;
}

/**
 * i8 encoding as element.ts documents it: the vector's own range lo..hi in 255 steps (scale rounded to
 * f32), offset = lo + 128·scale (f32), q = nearest((x − lo) / scale) − 128, so value ≈ offset + scale·q;
 * a constant vector gets scale 0 and codes 0. The header's sum is Σq and its norm Σ(offset + scale·q)²
 * in f64, rounded to f32. Computed in f64 in the same order as the engine, so it agrees bit for bit.
 */
export function refEncodeI8(x: ArrayLike<number>): RefI8 {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  const scale = Math.fround((hi - lo) / 255);
  const inv = scale > 0 ? 1 / scale : 0;
  const offset = Math.fround(lo + 128 * scale);
  const codes = new Int8Array(x.length);
  let sum = 0;
  let normSq = 0;
  for (let i = 0; i < x.length; i++) {
    const q = scale > 0 ? Math.min(127, Math.max(-128, roundHalfEven((x[i]! - lo) * inv) - 128)) : 0;
    codes[i] = q;
    sum += q;
    const r = offset + scale * q;
    normSq += r * r;
  }
  return { scale, offset, sum, normSq: Math.fround(normSq), codes };
}

/** The reconstruction offset + scale·q of each code, in f64. */
export function refDecodeI8(scale: number, offset: number, codes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = offset + scale * codes[i]!;
  return out;
}

/** Σ a·b and Σ |a·b| in f64. */
export function dotAndAbs(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  let s = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! * b[i]!;
    s += p;
    abs += Math.abs(p);
  }
  return [s, abs];
}

/** Σ (a − b)² in f64: the f32 kernels' reference serves the quantized ones too. */
export { refL2sq as l2sq } from './reference.js';

/** Twice the spacing of f32 values at magnitude `m` (0 for 0): an upper bound on one ulp there. */
export function ulp32(m: number): number {
  if (m === 0) return 0;
  return 2 ** Math.max(Math.floor(Math.log2(m)) - 23, -149) * 2; // ×2: covers Math.log2 being one low
}
