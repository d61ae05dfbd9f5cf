import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { randomVectors } from './support/random.js';
import { refCosineTopK, refDot } from './support/reference.js';
import { expectCode } from './support/expect-code.js';

// The kernels against the JS reference, per build and tail length: test/engine-variants.test.ts.
describe('kernel edge cases and the engine allocator', async () => {
  const engine = await Engine.create();
  const { exports: e } = engine;

  it('cosine of an all-zero vector is 0, not NaN', () => {
    const p = engine.alloc(64, 'zeros');
    engine.f32.fill(0, p >>> 2, (p >>> 2) + 16);
    engine.f32[p >>> 2] = 1; // a = e0, b = all zeros
    expect(e.cosine(p, p + 32, 8)).toBe(0);
    expect(e.normalize(p + 32, 8)).toBe(0);
  });

  it('refuses an allocation past 4 GiB of linear memory with CAPACITY, before the engine could trap', () => {
    const before = engine.memoryBytes;
    expectCode(() => engine.alloc(5 * 2 ** 30, 'a test buffer'), 'CAPACITY');
    expectCode(() => engine.alloc(2 ** 32 - before, 'a test buffer'), 'CAPACITY');
    expect(engine.memoryBytes).toBe(before);
    expect(engine.alloc(1024, 'a small buffer')).toBeGreaterThan(0);
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
