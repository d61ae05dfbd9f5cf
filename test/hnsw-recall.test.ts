// HnswIndex recall against ground truth and brute force, on real (siftsmall) and clustered data.
import { describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { HnswIndex } from '../src/hnsw-index.js';
import { keysFor } from './support/hnsw-fixtures.js';
import { clusteredVectors } from './support/random.js';
import { refCosineTopK, refL2sq } from './support/reference.js';
import { row } from './support/rows.js';

describe('HnswIndex recall', () => {
  it('siftsmall (euclidean, 10k × 128): recall@10 >= 0.95 at efSearch 50 against the groundtruth', async () => {
    const { base, queries, groundtruth } = loadSiftSmall();
    const index = await HnswIndex.create({ dimension: base.dim, metric: 'euclidean', M: 16, efConstruction: 200, efSearch: 50 });
    const t0 = performance.now();
    await index.batchInsert(base.data, keysFor(base.count, ''));
    const buildMs = performance.now() - t0;
    let hits = 0;
    for (let q = 0; q < queries.count; q++) {
      const got = new Set(index.search(row(queries.data, queries.dim, q), 10).map((r) => Number(r.key)));
      for (let j = 0; j < 10; j++) if (got.has(groundtruth.data[q * groundtruth.dim + j]!)) hits++;
    }
    const recall = hits / (queries.count * 10);
    console.log(`siftsmall: recall@10 = ${recall.toFixed(4)} at ef 50 (build ${buildMs.toFixed(0)} ms)`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // The scores are negative L2 distances: check the first result of the first query exactly.
    const r0 = index.search(row(queries.data, queries.dim, 0), 1)[0]!;
    const v0 = row(base.data, base.dim, Number(r0.key));
    expect(r0.distance).toBeCloseTo(Math.sqrt(refL2sq(row(queries.data, queries.dim, 0), v0)), 2);
    expect(r0.score).toBe(-r0.distance);
    index.close();
  });

  it('20k clustered 128-d normalized vectors (cosine): recall@10 >= 0.95 against brute force', async () => {
    const dim = 128;
    const n = 20_000;
    // Queries are the last 100 points of the same stream: same clusters, not in the index.
    const all = clusteredVectors(n + 100, dim, 100, 7, true);
    const data = all.subarray(0, n * dim);
    const queries = all.subarray(n * dim);
    const index = await HnswIndex.create({ dimension: dim, metric: 'cosine', seed: 42 });
    const t0 = performance.now();
    await index.batchInsert(data, keysFor(n, ''));
    const buildMs = performance.now() - t0;
    let hits = 0;
    for (let q = 0; q < 100; q++) {
      const truth = refCosineTopK(data, dim, row(queries, dim, q), 10).map(([id]) => id);
      const got = new Set(index.search(row(queries, dim, q), 10).map((r) => Number(r.key)));
      for (const id of truth) if (got.has(id)) hits++;
    }
    const recall = hits / 1000;
    console.log(`clustered 20k cosine: recall@10 = ${recall.toFixed(4)} at ef 50 (build ${buildMs.toFixed(0)} ms)`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    index.close();
  });
});
