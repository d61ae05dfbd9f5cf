import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from '../src/engine/abi.js';
import { randomVectors } from './helpers/random.js';
import { refCosine, refCosineTopK, refDot, refL2sq } from './helpers/reference.js';

const DIMS = [1, 3, 4, 7, 16, 100, 128, 383, 768, 1536];

/** f32 sums in a different order than the JS f64 loop: allow relative error proportional to sqrt(dim). */
function close(actual: number, expected: number, scale: number, dim: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.sqrt(dim) * Math.max(1, scale));
}

describe('SIMD kernels match the plain JS reference', async () => {
  const engine = await Engine.create();
  const { exports: e } = engine;

  for (const dim of DIMS) {
    it(`dot, l2sq, cosine, normSq, normalize at dimension ${dim}`, () => {
      const data = randomVectors(2, dim, dim);
      const a = data.subarray(0, dim);
      const b = data.subarray(dim);
      const pa = engine.alloc(dim * 4, 'a');
      const pb = engine.alloc(dim * 4, 'b');
      engine.f32.set(a, pa >>> 2);
      engine.f32.set(b, pb >>> 2);
      close(e.dot(pa, pb, dim), refDot(a, b), refDot(a, a), dim);
      close(e.l2sq(pa, pb, dim), refL2sq(a, b), refL2sq(a, b), dim);
      close(e.cosine(pa, pb, dim), refCosine(a, b), 1, dim);
      close(e.normSq(pa, dim), refDot(a, a), refDot(a, a), dim);
      const norm = e.normalize(pa, dim);
      close(norm, Math.sqrt(refDot(a, a)), norm, dim);
      const unit = engine.f32.subarray(pa >>> 2, (pa >>> 2) + dim);
      close(refDot(unit, unit), 1, 1, dim);
      e.free(pa);
      e.free(pb);
    });

    it(`scoreBlock scores a block for every metric at dimension ${dim}`, () => {
      const n = 9;
      const data = randomVectors(n + 1, dim, 1000 + dim);
      const q = data.subarray(0, dim);
      const block = data.subarray(dim);
      const pq = engine.alloc(dim * 4, 'q');
      const pblock = engine.alloc(n * dim * 4, 'block');
      const pout = engine.alloc(n * 4, 'out');
      engine.f32.set(q, pq >>> 2);
      engine.f32.set(block, pblock >>> 2);
      for (const [metric, ref] of [
        [METRIC_COSINE, (v: Float32Array) => refCosine(q, v)],
        [METRIC_EUCLIDEAN, (v: Float32Array) => -refL2sq(q, v)],
        [METRIC_DOT, (v: Float32Array) => refDot(q, v)],
      ] as const) {
        e.scoreBlock(metric, pq, pblock, n, dim, pout);
        const out = engine.f32.subarray(pout >>> 2, (pout >>> 2) + n);
        for (let i = 0; i < n; i++) {
          const expected = ref(block.subarray(i * dim, (i + 1) * dim));
          close(out[i]!, expected, Math.abs(expected), dim);
        }
      }
      e.free(pq);
      e.free(pblock);
      e.free(pout);
    });
  }

  it('cosine of an all-zero vector is 0, not NaN', () => {
    const p = engine.alloc(64, 'zeros');
    engine.f32.fill(0, p >>> 2, (p >>> 2) + 16);
    engine.f32[p >>> 2] = 1; // a = e0, b = all zeros
    expect(e.cosine(p, p + 32, 8)).toBe(0);
    expect(e.normalize(p + 32, 8)).toBe(0);
  });
});

describe('top-k heap and flat scan', async () => {
  const engine = await Engine.create();
  const { exports: e } = engine;

  it('keeps the k best with a minimum score, best first, ties by lower id', () => {
    const dim = 5;
    const n = 300;
    const data = randomVectors(n, dim, 7);
    data.fill(0, 10 * dim, 11 * dim); // id 10 is "deleted"
    data.set(data.subarray(20 * dim, 21 * dim), 21 * dim); // ids 20 and 21 tie
    const q = data.slice(20 * dim, 21 * dim);
    const pq = engine.alloc(dim * 4, 'q');
    const pdata = engine.alloc(n * dim * 4, 'data');
    const pids = engine.alloc(64 * 4, 'ids');
    const pscores = engine.alloc(64 * 4, 'scores');
    engine.f32.set(q, pq >>> 2);
    engine.f32.set(data, pdata >>> 2);
    for (const [k, minScore] of [[1, 0], [7, 0], [64, -1], [64, 0.5]] as const) {
      expect(e.topkReset(k, minScore)).toBe(0);
      // Two blocks, as the store streams them.
      e.flatScanCosine(pq, Math.sqrt(refDot(q, q)), pdata, 150, dim, 0, 0);
      e.flatScanCosine(pq, Math.sqrt(refDot(q, q)), pdata + 150 * dim * 4, 150, dim, 150, 0);
      const count = e.topkDrain(pids, pscores);
      const got = Array.from({ length: count }, (_, i) => [engine.u32[(pids >>> 2) + i]!, engine.f32[(pscores >>> 2) + i]!]);
      const want = refCosineTopK(data, dim, q, k, minScore);
      expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
      got.forEach((r, i) => expect(r[1]).toBeCloseTo(want[i]![1], 5));
    }
    expect(e.topkReset(0, 0)).toBe(1);
  });
});
