// compareRecall(): recall@k of an index against the exact store on real SIFT queries, checked against
// a recall computed here from a plain-JS exact search; latency of both; bad input.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { HnswIndex, MemMapVector } from '../src/index.js';
import { compareRecall, migrate } from '../src/migrate/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { refCosineTopK } from './support/reference.js';

const { base, queries } = loadSiftSmall();
const dim = base.dim;
const QUERIES = 40;
const k = 10;
const queryRows = queries.data.subarray(0, QUERIES * dim);
const keyOf = (id: number) => `sift-${id}`;

let store: MemMapVector;
let good: HnswIndex;
let poor: HnswIndex;
// The exact top-k keys per query, by the reference implementation (not by memvec).
let truth: string[][];

/** Recall@k of `index` computed here, the long way. */
function referenceRecall(index: HnswIndex, ef?: number): number {
  let hits = 0;
  for (let q = 0; q < QUERIES; q++) {
    const got = new Set(index.search(queryRows.subarray(q * dim, (q + 1) * dim), k, { ef }).map((r) => r.key));
    hits += truth[q]!.filter((key) => got.has(key)).length;
  }
  return hits / (QUERIES * k);
}

beforeAll(async () => {
  store = await MemMapVector.open('recall.mvec', { dimension: dim, backend: 'memory' });
  store.addVectors(base.data);
  good = await HnswIndex.create({ dimension: dim, metric: 'cosine', M: 16, efConstruction: 100 });
  poor = await HnswIndex.create({ dimension: dim, metric: 'cosine', M: 2, efConstruction: 4 });
  await migrate(store, good, { keyOf });
  await migrate(store, poor, { keyOf });
  truth = Array.from({ length: QUERIES }, (_, q) =>
    refCosineTopK(base.data, dim, queryRows.subarray(q * dim, (q + 1) * dim), k, -2).map(([id]) => keyOf(id)));
});

afterAll(() => {
  store.close();
  good.close();
  poor.close();
});

describe('compareRecall', () => {
  it('measures the recall a plain-JS exact search gives, for a good and a poor index', async () => {
    const strong = await compareRecall(store, good, queryRows, { k, ef: 64, keyOf });
    const weak = await compareRecall(store, poor, queryRows, { k, ef: 10, keyOf });
    // Ties in the exact ranking may order differently in f32 and f64: allow one result in 400.
    expect(Math.abs(strong.recall - referenceRecall(good, 64))).toBeLessThanOrEqual(1 / 400);
    expect(Math.abs(weak.recall - referenceRecall(poor, 10))).toBeLessThanOrEqual(1 / 400);
    expect(strong.recall).toBeGreaterThan(0.9);
    expect(weak.recall).toBeLessThan(strong.recall);
    expect(weak.minRecall).toBeLessThanOrEqual(weak.recall);
    expect(strong).toMatchObject({ queries: QUERIES, k });
    for (const r of [strong, weak]) {
      expect(r.exactMs).toBeGreaterThan(0);
      expect(r.indexMs).toBeGreaterThan(0);
    }
    console.log(`compareRecall on siftsmall: recall@10 ${strong.recall} (ef 64) vs ${weak.recall} (M 2, ef 10); exact ${strong.exactMs.toFixed(3)} ms, index ${strong.indexMs.toFixed(3)} ms per query`);
  });

  it('takes your own exact search as a function, and queries as an array of vectors', async () => {
    const rows = Array.from({ length: QUERIES }, (_, q) => Array.from(queryRows.subarray(q * dim, (q + 1) * dim)));
    let calls = 0;
    const exact = async (query: Float32Array, kk: number) => {
      calls++;
      expect(query.length).toBe(dim);
      return refCosineTopK(base.data, dim, query, kk, -2).map(([id]) => keyOf(id));
    };
    const report = await compareRecall(exact, good, rows, { k, ef: 64 });
    expect(calls).toBe(QUERIES);
    expect(report.recall).toBeCloseTo(referenceRecall(good, 64), 10);
  });

  it('an index that misses everything scores 0; an empty store scores 1', async () => {
    const elsewhere = async () => ['not-in-the-index'];
    const r = await compareRecall(elsewhere, good, queryRows.subarray(0, dim), { k: 1 });
    expect(r).toMatchObject({ recall: 0, minRecall: 0 });
    const empty = await compareRecall(async () => [], good, queryRows.subarray(0, dim));
    expect(empty.recall).toBe(1);
  });

  it('bad input is a typed MemvecError', async () => {
    const euclid = await HnswIndex.create({ dimension: dim, metric: 'euclidean' });
    await expectCodeAsync(() => compareRecall(store, euclid, queryRows), 'INVALID_ARGUMENT');
    euclid.close();
    const narrow = await HnswIndex.create({ dimension: 4 });
    await expectCodeAsync(() => compareRecall(store, narrow, [[1, 2, 3, 4]]), 'DIMENSION_MISMATCH');
    narrow.close();
    await expectCodeAsync(() => compareRecall({} as never, good, queryRows), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => compareRecall(store, {} as never, queryRows), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => compareRecall(store, good, queryRows, { k: 0 }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => compareRecall(store, good, queryRows, { ef: -1 }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => compareRecall(store, good, new Float32Array(0)), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => compareRecall(store, good, new Float32Array(dim + 1)), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => compareRecall(store, good, [[NaN]]), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => compareRecall(store, good, 'q' as never), 'INVALID_VECTOR');
    await expectCodeAsync(() => compareRecall((async () => 'x') as never, good, queryRows.subarray(0, dim)), 'INVALID_ARGUMENT');
    const aborted = new AbortController();
    aborted.abort();
    await expectCodeAsync(() => compareRecall(store, good, queryRows, { signal: aborted.signal }), 'ABORTED');
  });

  it('an abort from a timer lands during a long comparison', async () => {
    const controller = new AbortController();
    const many = new Float32Array(400 * dim);
    for (let i = 0; i < 400; i++) many.set(queryRows.subarray((i % QUERIES) * dim, (i % QUERIES + 1) * dim), i * dim);
    setTimeout(() => controller.abort(), 20);
    await expectCodeAsync(() => compareRecall(store, good, many, { signal: controller.signal }), 'ABORTED');
  });
});
