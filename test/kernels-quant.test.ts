// The quantized kinds' conversions and kernels (assembly/kernels-f16.ts, kernels-i8.ts) against the
// plain-JS references in test/support/quant-reference.ts, in both engine builds, at every dimension
// 1..64 and at large dimensions with every tail class mod 32 (the widest SIMD loop is 32 i8 codes).
//
// Tolerances, with u = 2^-24 (f32's unit roundoff) and Σ|p| the sum of the absolute products:
// - f16 dot: a product of two halves (11 significant bits each, ≥ 2^-48) is exact in f32, so only the
//   additions round; any summation order of n terms errs by at most (n−1)·u·Σ|p| (Higham, Accuracy and
//   Stability of Numerical Algorithms, §4.2). We allow (dim+2)·u·Σ|p|, which covers the SIMD build's
//   eight lanes and the scalar build's single chain alike.
// - f16 l2: a difference of two halves may round, and its square too: (dim+4)·u·Σ(a−b)².
// - f32·f16 dot: the products round once: (dim+3)·u·Σ|p|; the norm of halves is exact per term: (dim+2)·u.
// - i8 dot: computed in f64 from the header and one exact integer dot product, rounded to f32 once:
//   2u·Σ|p|, plus 2^-45 of the largest term of the header formula for its f64 roundings.
// - i8 l2: |a|² + |b|² − 2a·b from f32-rounded norms and dot, so it errs by u per operand:
//   2u·(|a|² + |b|² + 2Σ|p| + result), plus the same f64 allowance.
// Results are compared with what the engine decodes (the values it actually measures), so these
// tolerances are about arithmetic only, not quantization.
import { describe, expect, it } from 'vitest';
import type { EngineExports } from '../src/engine/abi.js';
import { ENGINE_BUILDS, instantiateBuild } from './support/engine-builds.js';
import {
  dotAndAbs,
  F16_MAX,
  l2sq,
  refDecodeI8,
  refEncodeI8,
  refF16ToF32,
  refF32ToF16,
  roundHalfEven,
  ulp32,
} from './support/quant-reference.js';
import { rng } from './support/random.js';

const U = 2 ** -24;
const I8_HEADER = 16;

// Every dimension up to two full i8 SIMD blocks, then every tail class mod 32 around 1024, then the
// tails of the usual embedding sizes.
const DIMS = [
  ...Array.from({ length: 64 }, (_, i) => i + 1),
  ...Array.from({ length: 32 }, (_, i) => 1000 + i),
  65, 95, 96, 97, 127, 128, 129, 255, 256, 257, 383, 384, 385, 511, 512, 513, 767, 768, 769, 1535, 1536,
];
const MAX_DIM = 1536;

/** Seeded test vectors of several scales, one per name. */
function testVectors(dim: number, seed: number): [string, Float32Array][] {
  const r = rng(seed);
  const make = (f: (i: number) => number) => Float32Array.from({ length: dim }, (_, i) => f(i));
  const unit = make(() => r() * 2 - 1);
  const norm = Math.hypot(...unit) || 1;
  for (let i = 0; i < dim; i++) unit[i]! /= norm;
  const one = Math.floor(r() * dim);
  return [
    ['unit-normalized', unit],
    ['SIFT-like 0..255 integers', make(() => (r() < 0.3 ? 0 : Math.floor(r() * 256)))],
    ['large, near ±60000', make(() => (r() < 0.5 ? -1 : 1) * (50000 + r() * (F16_MAX - 50000)))],
    ['tiny, around the 2^-14 flush', make(() => (r() * 2 - 1) * 2e-4)],
    ['far from zero, 1000..1001', make(() => 1000 + r())],
    ['constant', make(() => 0.7)],
    ['all zeros', make(() => 0)],
    ['a single non-zero', make((i) => (i === one ? -3.5 : 0))],
  ];
}

/** A view of the engine's memory, rebuilt on each call (an allocation may grow and detach it). */
const view = <T>(e: EngineExports, C: new (b: ArrayBuffer, o: number, n: number) => T, p: number, n: number): T =>
  new C(e.memory.buffer, p, n);

function expectWithin(got: number, want: number, tol: number, what: string): void {
  if (!(Math.abs(got - want) <= tol)) expect.fail(`${what}: got ${got}, want ${want} ± ${tol}`);
}

/** Index of the first element where two equal-length arrays differ, or -1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

describe('plain-JS references, against known IEEE half values', () => {
  it('round to nearest even, clamp past 65504, flush below 2^-14, signed zero', () => {
    expect(refF32ToF16(1)).toBe(0x3c00);
    expect(refF32ToF16(-2)).toBe(0xc000);
    expect(refF32ToF16(0.1)).toBe(0x2e66);
    expect(refF32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(refF32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(refF32ToF16(2047.5 * 2 ** -10)).toBe(0x4000); // rounds up into the next binade
    expect(refF32ToF16(65504)).toBe(0x7bff);
    expect(refF32ToF16(65519)).toBe(0x7bff);
    expect(refF32ToF16(65520)).toBe(0x7bff); // IEEE: Infinity; documented: clamp
    expect(refF32ToF16(-3e38)).toBe(0xfbff);
    // Results that IEEE rounds to a subnormal half (0x0001..0x03ff) are flushed to ±0 (element.ts).
    expect(refF32ToF16(2 ** -24)).toBe(0x0000); // IEEE: 0x0001
    expect(refF32ToF16(-(2 ** -24))).toBe(0x8000);
    expect(refF32ToF16(3 * 2 ** -25)).toBe(0x0000); // IEEE: 0x0002
    expect(refF32ToF16(1023.49 * 2 ** -24)).toBe(0x0000); // IEEE: 0x03ff, the largest subnormal
    expect(refF32ToF16(-1023.49 * 2 ** -24)).toBe(0x8000);
    expect(refF32ToF16(1023.5 * 2 ** -24)).toBe(0x0400); // a tie that rounds up to 2^-14: kept
    expect(refF32ToF16(-1023.75 * 2 ** -24)).toBe(0x8400);
    expect(refF32ToF16(2 ** -14)).toBe(0x0400);
    expect(refF32ToF16(-0)).toBe(0x8000);
    expect(refF32ToF16(-1e-30)).toBe(0x8000);
    expect(refF16ToF32(0x7bff)).toBe(65504);
    expect(refF16ToF32(0x0001)).toBe(2 ** -24);
    expect(refF16ToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(refF16ToF32(0x3555)).toBe(0.333251953125);
    expect(Object.is(refF16ToF32(0x8000), -0)).toBe(true);
    expect([roundHalfEven(0.5), roundHalfEven(1.5), roundHalfEven(2.5), roundHalfEven(-1.5), roundHalfEven(2.4999)]).toEqual([0, 2, 2, -2, 2]);
  });

  it('i8: a vector whose range is 0..255 codes each integer exactly', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => i);
    const r = refEncodeI8(x);
    expect(r.scale).toBe(1);
    expect(r.offset).toBe(128);
    expect(Array.from(r.codes)).toEqual(Array.from({ length: 256 }, (_, i) => i - 128));
    expect(r.sum).toBe(-128);
  });
});

for (const [build, b64] of ENGINE_BUILDS) {
  describe(`${build} build: f16`, async () => {
    const e = await instantiateBuild(b64);

    it('decodeF16 is exact for all 63,488 finite halves (subnormals and both zeros included)', () => {
      const halves: number[] = [];
      for (let h = 0; h < 0x10000; h++) if ((h & 0x7c00) !== 0x7c00) halves.push(h);
      const n = halves.length;
      const src = e.alloc(n * 2);
      const dst = e.alloc(n * 4);
      view(e, Uint16Array, src, n).set(halves);
      e.decodeF16(src, dst, n);
      const want = new Uint32Array(Float32Array.from(halves, refF16ToF32).buffer);
      const got = view(e, Uint32Array, dst, n);
      const i = firstMismatch(got, want);
      expect(i, i < 0 ? '' : `half 0x${halves[i]!.toString(16)}: bits 0x${got[i]!.toString(16)}, want 0x${want[i]!.toString(16)}`).toBe(-1);
      e.free(src);
      e.free(dst);
    });

    it('encodeF16 rounds to nearest even, clamps past ±65504, flushes results below 2^-14 to ±0', () => {
      const values: number[] = [];
      const bits = new Uint32Array(1);
      const asF32 = new Float32Array(bits.buffer);
      const nextUp = (x: number, d: number) => {
        asF32[0] = x;
        bits[0] += d; // one f32 step away from zero (d = 1) or toward it (d = -1), for x > 0
        return asF32[0]!;
      };
      // Every finite half's exact value, the midpoint to the next half (a tie: to even), and one f32 step
      // either side of the midpoint; with both signs. The subnormal halves' values and midpoints are
      // inputs too: they must come out as ±0, or as 2^-14 from the largest subnormal's upper midpoint on.
      for (let h = 0; h < 0x7bff; h++) {
        const v = refF16ToF32(h);
        const mid = (v + refF16ToF32(h + 1)) / 2; // 12 significant bits: exact in f32
        for (const x of [v, mid, nextUp(mid, 1), nextUp(mid, -1)]) values.push(x, -x);
      }
      values.push(F16_MAX, 65505, 65519.99, 65520, 65536, 1e5, 3.4e38, 2 ** -149, 1e-30, -0, 0);
      values.push(...values.slice(-11).map((x) => -x));
      // Random finite f32 bit patterns over the whole range (NaN and Infinity are rejected before encoding).
      const r = rng(16);
      for (let i = 0; i < 100_000; i++) {
        bits[0] = Math.floor(r() * 2 ** 32);
        if ((bits[0] & 0x7f800000) !== 0x7f800000) values.push(asF32[0]!);
      }
      for (let i = 0; i < 20_000; i++) values.push((r() * 2 - 1) * 70000);
      const input = Float32Array.from(values);
      const n = input.length;
      const src = e.alloc(n * 4);
      const dst = e.alloc(n * 2);
      view(e, Float32Array, src, n).set(input);
      e.encodeF16(src, dst, n);
      const got = view(e, Uint16Array, dst, n);
      const want = Uint16Array.from(input, refF32ToF16);
      const i = firstMismatch(got, want);
      expect(i, i < 0 ? '' : `${input[i]}: 0x${got[i]!.toString(16)}, want 0x${want[i]!.toString(16)}`).toBe(-1);
      // No code is a half subnormal (exponent 0, mantissa ≠ 0), whatever the reference says.
      const sub = got.findIndex((h) => (h & 0x7c00) === 0 && (h & 0x03ff) !== 0);
      expect(sub, sub < 0 ? '' : `${input[sub]} encoded as the subnormal 0x${got[sub]!.toString(16)}`).toBe(-1);
      // The documented clamp and flush, spelled out.
      const clampAndFlush = [
        [65520, 0x7bff], [-1e9, 0xfbff], [65504, 0x7bff],
        [2 ** -24, 0x0000], [-1e-5, 0x8000], [6.1e-5, 0x0000], [-6.1e-5, 0x8000], [1023.5 * 2 ** -24, 0x0400], [2 ** -14, 0x0400],
      ] as const;
      for (const [x, h] of clampAndFlush) {
        view(e, Float32Array, src, 1)[0] = x;
        e.encodeF16(src, dst, 1);
        expect(view(e, Uint16Array, dst, 1)[0]).toBe(h);
      }
      e.free(src);
      e.free(dst);
    });

    it('dotF16 and dotAndNormSqF32F16 widen every finite half exactly, in every SIMD lane (subnormal patterns included)', () => {
      // encodeF16 never writes a subnormal pattern, but a crafted one must still decode exactly (only
      // slower). Dotting 8 halves with a one-hot vector of 1.0 gives exactly the widened half at the hot
      // lane (the other products are ±0); a block at every start puts every half in every lane of
      // the 8-wide SIMD step (low and high widening), and the scalar build's tail loop sees them all too.
      const halves: number[] = [];
      for (let h = 0; h < 0x10000; h++) if ((h & 0x7c00) !== 0x7c00) halves.push(h);
      const n = halves.length;
      const src = e.alloc(n * 2 + 16);
      const hot16 = e.alloc(16);
      const hot32 = e.alloc(32);
      view(e, Uint16Array, src, n).set(halves);
      for (let lane = 0; lane < 8; lane++) {
        const oneHot = Array.from({ length: 8 }, (_, i) => (i === lane ? 1 : 0));
        view(e, Uint16Array, hot16, 8).set(oneHot.map((x) => (x ? 0x3c00 : 0)));
        view(e, Float32Array, hot32, 8).set(oneHot);
        for (let start = lane; start + 8 - lane <= n; start++) {
          const k = start - lane; // the half at index `start` sits in `lane` of the block starting at k
          const want = refF16ToF32(halves[start]!);
          const got = e.dotF16(src + k * 2, hot16, 8);
          if (got !== want) expect.fail(`dotF16 widened half 0x${halves[start]!.toString(16)} in lane ${lane} to ${got}, want ${want}`);
          const mixed = e.dotAndNormSqF32F16(hot32, src + k * 2, 8);
          if (mixed !== want) expect.fail(`dotAndNormSqF32F16 widened half 0x${halves[start]!.toString(16)} in lane ${lane} to ${mixed}, want ${want}`);
        }
      }
      e.free(src);
      e.free(hot16);
      e.free(hot32);
    });

    it('dotF16, l2sqF16 and dotAndNormSqF32F16 match the f64 reference on the decoded halves, every tail', () => {
      // The seeded vectors, encoded, and one row of crafted codes encodeF16 never writes: subnormal
      // patterns among small normals, random signs (its f32 side, as a query, is its exact decoding).
      const rows = testVectors(1, 0).length + 1;
      const pf32 = e.alloc(rows * MAX_DIM * 4);
      const pcodes = e.alloc(rows * MAX_DIM * 2 + 2);
      for (const dim of DIMS) {
        const r = rng(500 + dim);
        const crafted = Uint16Array.from({ length: dim }, () => (r() < 0.5 ? 0x8000 : 0) | Math.floor(r() * (r() < 0.7 ? 0x400 : 0x1000)));
        const vecs: [string, Float32Array][] = [
          ...testVectors(dim, 100 + dim),
          ['crafted subnormal codes', Float32Array.from(crafted, refF16ToF32)],
        ];
        // Rows packed as a store packs them, one code right after the other; the +2 puts every row on
        // an address that is not 16-byte aligned, as most rows are.
        const code = (i: number) => pcodes + 2 + i * dim * 2;
        const decoded: Float64Array[] = [];
        vecs.forEach(([name, v], i) => {
          view(e, Float32Array, pf32 + i * dim * 4, dim).set(v);
          let codes: Uint16Array;
          if (i === vecs.length - 1) {
            codes = crafted;
            view(e, Uint16Array, code(i), dim).set(crafted);
          } else {
            e.encodeF16(pf32 + i * dim * 4, code(i), dim);
            const got = view(e, Uint16Array, code(i), dim);
            codes = Uint16Array.from(v, refF32ToF16);
            expect(firstMismatch(got, codes), `encode ${name}, dim ${dim}`).toBe(-1);
          }
          decoded.push(Float64Array.from(codes, refF16ToF32));
        });
        for (let i = 0; i < vecs.length; i++) {
          for (let j = 0; j < vecs.length; j++) {
            const what = `dim ${dim}, ${vecs[i]![0]} with ${vecs[j]![0]}`;
            const [dot, absDot] = dotAndAbs(decoded[i]!, decoded[j]!);
            expectWithin(e.dotF16(code(i), code(j), dim), dot, (dim + 2) * U * absDot, `dotF16 ${what}`);
            const l2 = l2sq(decoded[i]!, decoded[j]!);
            expectWithin(e.l2sqF16(code(i), code(j), dim), l2, (dim + 4) * U * l2, `l2sqF16 ${what}`);
            const [mixed, absMixed] = dotAndAbs(vecs[i]![1], decoded[j]!);
            expectWithin(e.dotAndNormSqF32F16(pf32 + i * dim * 4, code(j), dim), mixed, (dim + 3) * U * absMixed, `dotAndNormSqF32F16 ${what}`);
            const [normSq] = dotAndAbs(decoded[j]!, decoded[j]!);
            expectWithin(e.lastNormSqOut(), normSq, (dim + 2) * U * normSq, `lastNormSqOut ${what}`);
          }
        }
      }
      e.free(pf32);
      e.free(pcodes);
    });
  });

  describe(`${build} build: i8`, async () => {
    const e = await instantiateBuild(b64);

    it('encodeI8 matches the documented scheme: codes exact, header exact, nothing clamped, decode within scale/2', () => {
      const count = testVectors(1, 0).length;
      const pf32 = e.alloc(MAX_DIM * 4);
      const pcode = e.alloc(I8_HEADER + MAX_DIM + 3);
      const pout = e.alloc(MAX_DIM * 4);
      for (const dim of DIMS) {
        for (const [name, v] of testVectors(dim, 200 + dim)) {
          const what = `${name}, dim ${dim}`;
          const code = pcode + 3; // an unaligned header, as in a packed store
          view(e, Float32Array, pf32, dim).set(v);
          e.encodeI8(pf32, code, dim);
          const want = refEncodeI8(v);
          const header = new DataView(e.memory.buffer, code, I8_HEADER);
          expect(header.getFloat32(0, true), `scale, ${what}`).toBe(want.scale);
          expect(header.getFloat32(4, true), `offset, ${what}`).toBe(want.offset);
          expect(header.getInt32(8, true), `code sum, ${what}`).toBe(want.sum);
          expect(header.getFloat32(12, true), `norm², ${what}`).toBe(want.normSq);
          const codes = view(e, Int8Array, code + I8_HEADER, dim);
          expect(firstMismatch(codes, want.codes), `codes, ${what}`).toBe(-1);
          // The properties the scheme promises, independent of how the reference computes them.
          let lo = Infinity;
          let hi = -Infinity;
          for (const x of v) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
          expect(codes.reduce((s, q) => s + q, 0), `code sum, ${what}`).toBe(want.sum);
          if (hi > lo) {
            expect(codes[v.indexOf(lo)], `the minimum's code, ${what}`).toBe(-128);
            expect(codes[v.indexOf(hi)], `the maximum's code, ${what}`).toBe(127);
          } else {
            expect(want.scale, `a constant vector's scale, ${what}`).toBe(0);
            expect(codes.every((q) => q === 0), `a constant vector's codes, ${what}`).toBe(true);
          }
          // decode(encode(x)) is within half a step of x: the vector's own range is the code range, so
          // no value is clamped. Allowance: the offset is rounded to f32 and decodeI8 computes in f32
          // (three roundings of magnitudes up to about max|x|, together at most 2 ulps of it; we allow 3).
          e.decodeI8(code, pout, dim);
          const back = view(e, Float32Array, pout, dim);
          const exact = refDecodeI8(want.scale, want.offset, want.codes);
          const slack = want.scale / 2 + 1.5 * ulp32(Math.max(Math.abs(lo), Math.abs(hi)));
          const inF32 = Float32Array.from(want.codes, (q) => want.offset + Math.fround(want.scale * q));
          expect(firstMismatch(back, inF32), `decodeI8, ${what}`).toBe(-1);
          const far = v.findIndex((x, i) => !(Math.abs(back[i]! - x) <= slack));
          expect(far, far < 0 ? '' : `decode(encode(x))[${far}] = ${back[far]}, x = ${v[far]}, ± ${slack}; ${what}`).toBe(-1);
          let normSq = 0;
          for (let i = 0; i < dim; i++) normSq += exact[i]! * exact[i]!;
          expectWithin(e.codeNormSqI8(code), normSq, 2 * U * normSq, `codeNormSqI8, ${what}`);
        }
      }
      expect(count).toBeGreaterThan(0);
      e.free(pf32);
      e.free(pcode);
      e.free(pout);
    });

    it('dotI8 and l2sqI8 match the f64 reference on the reconstructions, every tail', () => {
      const count = testVectors(1, 0).length;
      const pf32 = e.alloc(MAX_DIM * 4);
      const pcodes = e.alloc(count * (I8_HEADER + MAX_DIM) + 1);
      for (const dim of DIMS) {
        const vecs = testVectors(dim, 300 + dim);
        // Packed codes at a stride of 16 + dim bytes, from an odd address: every alignment occurs.
        const code = (i: number) => pcodes + 1 + i * (I8_HEADER + dim);
        const refs = vecs.map(([, v], i) => {
          view(e, Float32Array, pf32, dim).set(v);
          e.encodeI8(pf32, code(i), dim);
          const r = refEncodeI8(v);
          // Each term of the header formula is at most dim·(|offset| + 128·scale) per side.
          return { ...r, values: refDecodeI8(r.scale, r.offset, r.codes), reach: Math.abs(r.offset) + 128 * r.scale };
        });
        for (let i = 0; i < vecs.length; i++) {
          for (let j = 0; j < vecs.length; j++) {
            const what = `dim ${dim}, ${vecs[i]![0]} with ${vecs[j]![0]}`;
            const a = refs[i]!;
            const b = refs[j]!;
            const f64Slack = 2 ** -45 * dim * a.reach * b.reach;
            const [dot, absDot] = dotAndAbs(a.values, b.values);
            expectWithin(e.dotI8(code(i), code(j), dim), dot, 2 * U * absDot + f64Slack, `dotI8 ${what}`);
            const l2 = l2sq(a.values, b.values);
            const l2Tol = 2 * U * (a.normSq + b.normSq + 2 * absDot + l2) + 2 * f64Slack;
            expectWithin(e.l2sqI8(code(i), code(j), dim), l2, l2Tol, `l2sqI8 ${what}`);
          }
        }
      }
      e.free(pf32);
      e.free(pcodes);
    });
  });
}
