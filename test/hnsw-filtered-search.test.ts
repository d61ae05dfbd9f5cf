// Filtered search with the filter evaluated as the graph is traversed (issue 9): object filters in the
// engine over filter columns, function filters called back only for the nodes a search reaches. Recall
// against exact filtered brute force at selectivities from 50% down to 0.01%, k results whenever k
// entries match, call counts of function filters, columns following every kind of write, and what a
// function filter may not do from inside a search.
import { beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/hnsw-index.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { expectCode } from './support/expect-code.js';
import { clusteredVectors, rng } from './support/random.js';
import { row } from './support/rows.js';

const DIM = 16;
const N = 20_000;
const K = 10;
type Meta = { b: number; tag?: string };

// One stream of points: the last 30 are held-out queries from the same clusters.
const all = clusteredVectors(N + 30, DIM, 40, 77);
const data = all.subarray(0, N * DIM);
const queries = all.subarray(N * DIM);
// A rank in [0, N) per entry, a random permutation (not correlated with slot or cluster): the filter
// b < T keeps exactly T entries.
const r = rng(9);
const bucket = Array.from({ length: N }, (_, i) => i);
for (let i = N - 1; i > 0; i--) {
  const j = Math.floor(r() * (i + 1));
  [bucket[i], bucket[j]] = [bucket[j]!, bucket[i]!];
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** The exact filtered top-k keys. */
function truth(q: Float32Array, pass: (i: number) => boolean): string[] {
  const scored: { i: number; s: number }[] = [];
  for (let i = 0; i < N; i++) if (pass(i)) scored.push({ i, s: cosine(q, row(data, DIM, i)) });
  return scored.sort((a, b) => b.s - a.s).slice(0, K).map(({ i }) => `k${i}`);
}

describe('filtered search at graph speed', () => {
  let index: HnswIndex<Meta>;
  beforeAll(async () => {
    index = await HnswIndex.create<Meta>({ dimension: DIM, M: 16, efConstruction: 100, efSearch: 64, seed: 3 });
    await index.batchInsert(Array.from({ length: N }, (_, i) => ({ key: `k${i}`, vector: row(data, DIM, i), metadata: { b: bucket[i]! } })));
  }, 120_000);

  for (const percent of [50, 10, 1, 0.1, 0.01]) {
    it(`returns min(k, matches) results with recall >= 0.95 at ${percent}% selectivity, object and function filters alike`, () => {
      const t = (percent / 100) * N;
      const matches = bucket.filter((b) => b < t).length;
      let hitObject = 0;
      let hitFunction = 0;
      let wanted = 0;
      for (let qi = 0; qi < 30; qi++) {
        const q = row(queries, DIM, qi);
        const want = new Set(truth(q, (i) => bucket[i]! < t));
        const byObject = index.search(q, K, { filter: { b: { $lt: t } } });
        const byFunction = index.search(q, K, { filter: (_key, meta) => meta.b < t });
        expect(byObject.length).toBe(Math.min(K, matches));
        expect(byFunction.map((x) => x.key)).toEqual(byObject.map((x) => x.key));
        for (const x of byObject) expect(x.metadata.b).toBeLessThan(t);
        hitObject += byObject.filter((x) => want.has(x.key)).length;
        hitFunction += byFunction.filter((x) => want.has(x.key)).length;
        wanted += want.size;
      }
      expect(hitObject / wanted).toBeGreaterThanOrEqual(0.95);
      expect(hitFunction / wanted).toBeGreaterThanOrEqual(0.95);
    });
  }

  it('calls a function filter only for the nodes a search reaches: far fewer than n at 50%, once each', () => {
    const calls = new Map<string, number>();
    const results = index.search(row(queries, DIM, 0), K, {
      filter: (key, meta) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return meta.b < N / 2;
      },
    });
    expect(results.length).toBe(K);
    expect(calls.size).toBeLessThan(N / 5);
    expect(Math.max(...calls.values())).toBe(1);
    // searchBatch: at most once per entry for the whole batch.
    const batchCalls = new Map<string, number>();
    const batch = index.searchBatch(queries.subarray(0, 5 * DIM), K, {
      filter: (key, meta) => {
        batchCalls.set(key, (batchCalls.get(key) ?? 0) + 1);
        return meta.b < N / 2;
      },
    });
    expect(batch.every((rs) => rs.length === K)).toBe(true);
    expect(Math.max(...batchCalls.values())).toBe(1);
    expect(batchCalls.size).toBeLessThan(N / 2);
  });

  it('refuses writes and searches from inside a function filter (LOCKED), allows reads, and reports a close', async () => {
    const q = row(queries, DIM, 1);
    expectCode(() => index.search(q, K, { filter: () => { index.insert('x', q, { b: 1 }); return true; } }), 'LOCKED');
    expectCode(() => index.search(q, K, { filter: () => { index.delete('k1'); return true; } }), 'LOCKED');
    expectCode(() => index.search(q, K, { filter: () => index.search(q, 1).length > 0 }), 'LOCKED');
    expectCode(() => index.searchBatch([q], K, { filter: () => index.count({ b: 1 }) >= 0 && index.searchBatch([q], 1).length > 0 }), 'LOCKED');
    expect(index.has('x')).toBe(false);
    expect(index.size()).toBe(N);
    // Reads are fine, and so is everything once the search is over.
    expect(index.search(q, K, { filter: (key) => index.has(key) && index.get(key)!.metadata.b < N / 2 }).length).toBe(K);
    const small = await HnswIndex.create<Meta>({ dimension: DIM });
    await small.batchInsert(Array.from({ length: 50 }, (_, i) => ({ key: `s${i}`, vector: row(data, DIM, i), metadata: { b: i } })));
    expectCode(() => small.search(q, 5, { filter: () => { small.close(); return true; } }), 'CLOSED');
  });

  it('follows every write: inserts, upserts, metadata updates, deletes, renumbering batches, compact, save and load', async () => {
    const x = await HnswIndex.create<Meta>({ dimension: DIM, M: 8, efConstruction: 40, seed: 1 });
    const keysOf = (filter: object) => x.search(row(queries, DIM, 2), 1000, { ef: 1000, filter: filter as never }).map((h) => h.key).sort();
    await x.batchInsert(Array.from({ length: 300 }, (_, i) => ({ key: `e${i}`, vector: row(data, DIM, i), metadata: { b: i, tag: i % 2 ? 'odd' : 'even' } })));
    expect(keysOf({ tag: 'odd', b: { $lt: 10 } })).toEqual(['e1', 'e3', 'e5', 'e7', 'e9']);
    x.updateMetadata('e3', { b: 3, tag: 'even' });
    x.insert('e5', row(data, DIM, 500), { b: 5000, tag: 'odd' });
    x.delete('e7');
    x.insert('new', row(data, DIM, 501), { b: 1, tag: 'odd' });
    expect(keysOf({ tag: 'odd', b: { $lt: 10 } })).toEqual(['e1', 'e9', 'new']);
    expect(x.count({ tag: 'odd', b: { $lt: 10 } })).toBe(3);
    // A batch big enough to renumber slots: the columns are rebuilt, answers unchanged.
    await x.batchInsert(Array.from({ length: 600 }, (_, i) => ({ key: `f${i}`, vector: row(data, DIM, 1000 + i), metadata: { b: 10_000 + i, tag: 'f' } })));
    expect(keysOf({ tag: 'odd', b: { $lt: 10 } })).toEqual(['e1', 'e9', 'new']);
    expect(x.count({ tag: 'f' })).toBe(600);
    expect(x.deleteMany({ tag: 'f', b: { $gte: 10_300 } })).toBe(300);
    await x.compact();
    expect(keysOf({ tag: 'odd', b: { $lt: 10 } })).toEqual(['e1', 'e9', 'new']);
    expect(x.count({ tag: 'f' })).toBe(300);
    const backend = new MemoryBackend();
    await x.save('/x', { backend });
    const loaded = await HnswIndex.load<Meta>('/x', { backend });
    expect(loaded.count({ tag: 'odd', b: { $lt: 10 } })).toBe(3);
    expect(loaded.search(row(queries, DIM, 2), 1000, { ef: 1000, filter: { tag: 'odd', b: { $lt: 10 } } }).map((h) => h.key).sort()).toEqual(['e1', 'e9', 'new']);
    x.close();
    loaded.close();
  });

  it('columns are derived from the metadata of a persistent file: after reopening, and in a reader across refreshes', async () => {
    const backend = new MemoryBackend();
    const w = await HnswIndex.open<Meta>('/p.mvi', { dimension: DIM, M: 8, efConstruction: 40, backend });
    await w.batchInsert(Array.from({ length: 200 }, (_, i) => ({ key: `p${i}`, vector: row(data, DIM, i), metadata: { b: i, tag: i % 3 ? 'x' : 'y' } })));
    const reader = await HnswIndex.open<Meta>('/p.mvi', { readOnly: true, backend });
    expect(reader.count({ tag: 'y' })).toBe(67);
    w.updateMetadata('p1', { b: 1, tag: 'y' });
    w.deleteMany({ tag: 'y', b: { $gte: 150 } });
    expect(w.count({ tag: 'y' })).toBe(68 - 17);
    await reader.refresh();
    expect(reader.count({ tag: 'y' })).toBe(68 - 17);
    expect(reader.search(row(queries, DIM, 3), 5, { filter: { tag: 'y', b: { $lt: 10 } } }).map((h) => h.key).sort()).toEqual(['p0', 'p1', 'p3', 'p6', 'p9']);
    w.close();
    reader.close();
    const again = await HnswIndex.open<Meta>('/p.mvi', { backend });
    expect(again.count({ tag: 'y' })).toBe(68 - 17);
    again.close();
  });
});
