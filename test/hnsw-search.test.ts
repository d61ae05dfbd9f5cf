// HnswIndex search answers: scores and distances against the plain-JS reference for each metric,
// minScore and ef, and all-zero vectors (refused by cosine, ranked by euclidean and dot).
import { describe, expect, it } from 'vitest';
import { expectCodeAsync } from './support/expect-code.js';
import { build, keysFor, observe, refSearch } from './support/hnsw-fixtures.js';
import { clusteredVectors, randomVectors } from './support/random.js';
import { row } from './support/rows.js';

describe('HnswIndex scores and distances match the plain JS reference', () => {
  for (const metric of ['cosine', 'euclidean', 'dot'] as const) {
    it(`${metric}: exact on a small index (ef >= n)`, async () => {
      const dim = 13;
      const n = 300;
      const data = randomVectors(n, dim, 11);
      const queries = randomVectors(10, dim, 12);
      const index = await build(data, dim, { metric, M: 8, efConstruction: 64 });
      for (let q = 0; q < 10; q++) {
        const query = row(queries, dim, q);
        const got = index.search(query, 7, { ef: n });
        const want = refSearch(metric, data, dim, query, 7);
        expect(got.map((r) => r.key)).toEqual(want.map((r) => `k${r.id}`));
        got.forEach((r, i) => {
          expect(r.score).toBeCloseTo(want[i]!.score, 4);
          if (metric === 'euclidean') expect(r.distance).toBeCloseTo(-want[i]!.score, 4);
          else expect(r.distance).toBeCloseTo(1 - want[i]!.score, 4);
        });
        for (let i = 1; i < got.length; i++) expect(got[i]!.score).toBeLessThanOrEqual(got[i - 1]!.score);
      }
      index.close();
    });
  }

  it('minScore cuts on the score', async () => {
    const dim = 8;
    const data = randomVectors(200, dim, 5);
    const index = await build(data, dim, { metric: 'dot' });
    const q = row(data, dim, 3);
    const all = index.search(q, 50, { ef: 200 });
    const cut = all[9]!.score;
    const got = index.search(q, 50, { ef: 200, minScore: cut });
    expect(got.length).toBeGreaterThanOrEqual(10);
    expect(got.every((r) => r.score >= cut)).toBe(true);
    expect(got).toEqual(all.filter((r) => r.score >= cut));
    index.close();
  });

  it('ef below k is raised to k', async () => {
    const dim = 8;
    const data = randomVectors(500, dim, 6);
    const index = await build(data, dim);
    expect(index.search(row(data, dim, 0), 40, { ef: 1 })).toHaveLength(40);
    index.close();
  });
});

describe('all-zero vectors', () => {
  const dim = 6;
  const data = clusteredVectors(40, dim, 3, 91);
  const queries = clusteredVectors(4, dim, 3, 92);
  const zero = new Float32Array(dim);

  it('a cosine index rejects them in insert, batchInsert (the whole batch) and search: INVALID_VECTOR, nothing changes', async () => {
    const index = await build(data, dim, { metric: 'cosine' });
    const baseline = observe(index, queries, dim);
    await expectCodeAsync(() => index.insert('z', zero), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.insert('k3', [0, 0, 0, 0, 0, 0]), 'INVALID_VECTOR'); // an upsert too
    // Every row is checked first: one zero row in the middle and no row is inserted.
    const rows = Array.from({ length: 10 }, (_, i) => ({ key: `b${i}`, vector: i === 5 ? zero : row(data, dim, i) }));
    await expectCodeAsync(() => index.batchInsert(rows), 'INVALID_VECTOR');
    const flat = data.slice(0, 10 * dim);
    flat.fill(0, 7 * dim, 8 * dim);
    await expectCodeAsync(() => index.batchInsert(flat, keysFor(10, 'f')), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.search(zero, 3), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.search([0, 0, 0, 0, 0, 0], 3), 'INVALID_VECTOR');
    await expect(index.batchInsert(rows)).rejects.toThrow(/entries\[5\]\.vector is all zeros/);
    expect(observe(index, queries, dim)).toEqual(baseline);
    expect(['z', 'b0', 'b4', 'f0'].map((k) => index.has(k))).toEqual([false, false, false, false]);
  });

  it('euclidean and dot accept them: stored, found, and a zero query ranks by the metric', async () => {
    for (const metric of ['euclidean', 'dot'] as const) {
      const index = await build(data, dim, { metric });
      index.insert('z', zero);
      await index.batchInsert([{ key: 'z2', vector: zero }]);
      expect(index.get('z')!.vector).toEqual(zero);
      const hits = index.search(zero, 3);
      expect(hits).toHaveLength(3);
      // Distance 0 to itself for euclidean; every dot product with zero is 0.
      if (metric === 'euclidean') expect(hits.map((h) => h.key).sort()).toEqual(expect.arrayContaining(['z', 'z2']));
      else expect(hits.every((h) => h.score === 0)).toBe(true);
    }
  });
});
