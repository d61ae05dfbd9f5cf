// HnswIndex's inspection and maintenance API on an in-memory index: keys, entries, updateMetadata,
// deleteMany, stats, searchBatch, and refresh (which has nothing to load without a file). Persistent
// behaviour of the same calls is in test/suites/hnsw-file.suite.ts.
import type { Quantization } from '../src/engine/element-type.js';
import { describe, expect, it } from 'vitest';
import { HnswIndex, type HnswMetric, type HnswSearchResult } from '../src/hnsw-index.js';
import { expectCode, expectCodeAsync } from './support/expect-code.js';
import { clusteredVectors } from './support/random.js';
import { refCosine, refDot, refL2sq } from './support/reference.js';
import { row } from './support/rows.js';

const DIM = 16;

async function build(
  n: number, options: { metric?: HnswMetric; seed?: number; quantization?: Quantization; rerank?: false } = {},
): Promise<{ index: HnswIndex; data: Float32Array }> {
  const data = clusteredVectors(n, DIM, 6, options.seed ?? 300);
  const { quantization, rerank } = options;
  const index = await HnswIndex.create({
    dimension: DIM, M: 8, efConstruction: 60, metric: options.metric ?? 'cosine', quantization, ...(rerank === false && { rerank }),
  });
  await index.batchInsert(data, Array.from({ length: n }, (_, i) => `k${i}`), Array.from({ length: n }, (_, i) => ({ i, even: i % 2 === 0 })));
  return { index, data };
}

/** Everything observable through a few searches and lookups. */
function observe(index: HnswIndex, queries: Float32Array): unknown {
  const n = queries.length / DIM;
  return {
    size: index.size(),
    keys: index.keys(),
    results: Array.from({ length: n }, (_, i) => index.search(row(queries, DIM, i), 6, { ef: 40 })),
  };
}

/** The plain way: every live entry scored, best first, ties by key. */
function bruteForce(index: HnswIndex, metric: HnswMetric, q: Float32Array, k: number): Array<{ key: string; score: number }> {
  const scored = index.keys().map((key) => {
    const v = index.get(key)!.vector;
    const score = metric === 'cosine' ? refCosine(q, v) : metric === 'dot' ? refDot(q, v) : -Math.sqrt(refL2sq(q, v));
    return { key, score };
  });
  scored.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
  return scored.slice(0, k);
}

describe('keys() and entries()', () => {
  it('list exactly the live entries, with vectors as get() returns them', async () => {
    const { index, data } = await build(50);
    index.delete('k3');
    index.insert('k7', row(data, DIM, 8), { replaced: true });
    index.insert('new', row(data, DIM, 9));
    const keys = index.keys();
    expect(keys.length).toBe(index.size());
    expect(new Set(keys)).toEqual(new Set([...Array.from({ length: 50 }, (_, i) => `k${i}`).filter((k) => k !== 'k3'), 'new']));
    // A new array each call: changing it changes nothing.
    keys.length = 0;
    expect(index.keys().length).toBe(50);

    const it = index.entries();
    expect(typeof it.next).toBe('function');
    const seen = [...index.entries()];
    expect(seen.map((e) => e.key)).toEqual(index.keys());
    for (const e of seen) {
      const got = index.get(e.key)!;
      expect(e.vector).toEqual(got.vector);
      expect(e.metadata).toEqual(got.metadata);
    }
    expect(seen.find((e) => e.key === 'k7')!.metadata).toEqual({ replaced: true });
    expect(seen.find((e) => e.key === 'new')!.metadata).toBeUndefined();
    // The vectors are copies.
    seen[0]!.vector[0] = 1234;
    expect(index.get(seen[0]!.key)!.vector[0]).not.toBe(1234);
    index.close();
  });

  it('entries() skips what is deleted while it runs, and throws CLOSED once the index closes', async () => {
    const { index } = await build(20);
    const gen = index.entries();
    const first = gen.next().value!;
    index.delete('k1');
    const rest = [...gen].map((e) => e.key);
    expect(first.key).toBe('k0');
    expect(rest).not.toContain('k1');
    expect(rest.length).toBe(18);
    const again = index.entries();
    again.next();
    index.close();
    expect(() => again.next()).toThrow(expect.objectContaining({ code: 'CLOSED' }) as never);
    expectCode(() => index.keys(), 'CLOSED');
  });
});

describe('updateMetadata', () => {
  it('replaces metadata without touching the vector or the graph; stored as JSON, frozen', async () => {
    const { index, data } = await build(60);
    const queries = clusteredVectors(5, DIM, 6, 301);
    const before = index.get('k5')!;
    const resultsBefore = Array.from({ length: 5 }, (_, i) => index.search(row(queries, DIM, i), 8).map((r) => [r.key, r.score]));
    const meta = { tags: ['a', 'b'], when: new Date(0), nested: { x: 1 } };
    index.updateMetadata('k5', meta);
    meta.nested.x = 2;
    const after = index.get('k5')!;
    expect(after.vector).toEqual(before.vector);
    expect(after.metadata).toEqual({ tags: ['a', 'b'], when: '1970-01-01T00:00:00.000Z', nested: { x: 1 } });
    expect(Object.isFrozen(after.metadata)).toBe(true);
    expect(Object.isFrozen((after.metadata as { nested: object }).nested)).toBe(true);
    // Same neighbours and scores: only the metadata changed.
    expect(Array.from({ length: 5 }, (_, i) => index.search(row(queries, DIM, i), 8).map((r) => [r.key, r.score]))).toEqual(resultsBefore);
    const hit = index.search(row(data, DIM, 5), 1)[0]!;
    expect(hit.key).toBe('k5');
    expect(hit.metadata).toEqual(after.metadata);
    // A filter sees the new metadata.
    expect(index.search(row(data, DIM, 5), 3, { filter: (_k, m) => (m as { tags?: string[] } | undefined)?.tags !== undefined }).map((r) => r.key)).toEqual(['k5']);
    // undefined removes it; the slot count does not grow (no re-insert).
    const slots = index.stats().deletedSlots;
    index.updateMetadata('k5', undefined);
    expect(index.get('k5')!.metadata).toBeUndefined();
    expect(index.stats().deletedSlots).toBe(slots);
    index.close();
  });

  it('UNKNOWN_ID for a missing key; bad keys and metadata are INVALID_ARGUMENT; nothing changes', async () => {
    const { index } = await build(30);
    const queries = clusteredVectors(4, DIM, 6, 302);
    const seen = observe(index, queries);
    const meta5 = index.get('k5')!.metadata;
    expectCode(() => index.updateMetadata('nope', { a: 1 }), 'UNKNOWN_ID');
    index.delete('k9');
    expectCode(() => index.updateMetadata('k9', { a: 1 }), 'UNKNOWN_ID');
    expectCode(() => index.updateMetadata(5 as never, { a: 1 }), 'INVALID_ARGUMENT');
    expectCode(() => index.updateMetadata('k5', 10n), 'INVALID_ARGUMENT');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectCode(() => index.updateMetadata('k5', cyclic), 'INVALID_ARGUMENT');
    expectCode(() => index.updateMetadata('k5', () => 1), 'INVALID_ARGUMENT');
    expect(index.get('k5')!.metadata).toEqual(meta5);
    index.insert('k9', row(clusteredVectors(1, DIM, 1, 3), DIM, 0), { i: 9, even: false }); // restore for the comparison
    expect((observe(index, queries) as { size: number }).size).toBe((seen as { size: number }).size);
    index.close();
    expectCode(() => index.updateMetadata('k5', 1), 'CLOSED');
  });
});

describe('deleteMany', () => {
  it('removes the keys it holds, skips unknown ones, counts repeats once', async () => {
    const { index, data } = await build(80);
    const twin = (await build(80)).index;
    const n = index.deleteMany(['k1', 'k2', 'missing', 'k1', 'k40', '', 'k2']);
    expect(n).toBe(3);
    for (const k of ['k1', 'k2', 'k40']) twin.delete(k);
    const queries = clusteredVectors(6, DIM, 6, 303);
    expect(observe(index, queries)).toEqual(observe(twin, queries));
    expect(index.stats().deletedSlots).toBe(3);
    expect(index.deleteMany([])).toBe(0);
    expect(index.deleteMany(['k1', 'nope'])).toBe(0);
    // Deleted keys never come back from search; the others are still found.
    const hits = index.search(row(data, DIM, 1), 80, { ef: 200 }).map((r) => r.key);
    expect(hits).not.toContain('k1');
    expect(hits).toContain('k3');
    index.close();
    twin.close();
  });

  it('a key that is not a string, or not an array, is INVALID_ARGUMENT before anything is deleted', async () => {
    const { index } = await build(30);
    const queries = clusteredVectors(4, DIM, 6, 304);
    const seen = observe(index, queries);
    expectCode(() => index.deleteMany(['k1', 'k2', 3 as never]), 'INVALID_ARGUMENT');
    expectCode(() => index.deleteMany(['k1', null as never]), 'INVALID_ARGUMENT');
    expectCode(() => index.deleteMany('k1' as never), 'INVALID_ARGUMENT');
    expectCode(() => index.deleteMany(new Set(['k1']) as never), 'INVALID_ARGUMENT');
    expectCode(() => index.deleteMany(['k1', , 'k2'] as never), 'INVALID_ARGUMENT'); // a hole
    expect(observe(index, queries)).toEqual(seen);
    index.close();
    expectCode(() => index.deleteMany(['k1']), 'CLOSED');
  });
});

describe('stats()', () => {
  it('counts live entries and deleted slots; wasm bytes are the engine memory; no file: fileBytes undefined', async () => {
    const empty = await HnswIndex.create({ dimension: DIM });
    const s0 = empty.stats();
    expect(s0).toMatchObject({ entries: 0, deletedSlots: 0, fileBytes: undefined });
    expect(s0.wasmBytes).toBeGreaterThan(0);
    empty.close();
    const { index, data } = await build(100);
    index.delete('k1');
    index.insert('k2', row(data, DIM, 3)); // an upsert leaves the old slot behind
    index.deleteMany(['k4', 'k5']);
    const s = index.stats();
    expect(s.entries).toBe(97);
    expect(s.deletedSlots).toBe(4);
    expect(s.wasmBytes % 65536).toBe(0);
    expect(s.wasmBytes).toBeGreaterThanOrEqual(100 * DIM * 4);
    expect(s.originalsBytes).toBe(0); // f32: the vectors are in the engine
    index.close();
    expectCode(() => index.stats(), 'CLOSED');
    // A quantized index holds its f32 originals in JS memory; without originals, none.
    const { index: i8 } = await build(100, { quantization: 'i8' });
    expect(i8.stats().originalsBytes).toBeGreaterThanOrEqual(100 * DIM * 4);
    i8.close();
    const { index: bare } = await build(100, { quantization: 'i8', rerank: false });
    expect(bare.stats().originalsBytes).toBe(0);
    bare.close();
  });

  it('capacityLeft: falls by one per slot used, scales with the per-slot cost, and bounds where CAPACITY comes', async () => {
    const small = await HnswIndex.create({ dimension: 64, M: 8 });
    const large = await HnswIndex.create({ dimension: 1024, M: 8 });
    const a = small.stats().capacityLeft;
    const b = large.stats().capacityLeft;
    // 4 GiB over (vector + layer-0 list + per-slot arrays + upper lists) per slot, less growth headroom.
    const per = (dim: number): number => dim * 4 + 17 * 4 + 25 + (9 * 4) / 7;
    expect(a).toBeGreaterThan((2 ** 32 - (200 << 20)) / per(64));
    expect(a).toBeLessThan(2 ** 32 / per(64));
    expect(b).toBeGreaterThan((2 ** 32 - (200 << 20)) / per(1024));
    expect(b).toBeLessThan(2 ** 32 / per(1024));
    large.close();

    const dim = 64;
    const index = small;
    type Hook = { core: { engine: { setMemoryLimitPages(p: number): void; memoryBytes: number } } };
    const e = (index as unknown as Hook).core.engine;
    const batch = clusteredVectors(1000, dim, 8, 305);
    await index.batchInsert(batch, Array.from({ length: 1000 }, (_, i) => `w${i}`));
    // One per slot, and the growth headroom (a doubling of the slots, below one chunk) grows too.
    const after = index.stats().capacityLeft;
    expect(after).toBeLessThanOrEqual(a - 1000);
    expect(after).toBeGreaterThan(a - 2000);
    index.insert('w0', row(batch, dim, 1)); // an upsert takes a slot too
    expect(index.stats().capacityLeft).toBeLessThan(after);
    // 4 GiB cannot be filled in a test: lower the ceiling to 48 MiB more than is used now.
    e.setMemoryLimitPages(e.memoryBytes / 65536 + 768);
    const predicted = index.stats().capacityLeft;
    expect(predicted).toBeGreaterThan(10_000);
    let added = 0;
    const data = clusteredVectors(2000, dim, 8, 306);
    try {
      for (;;) {
        await index.batchInsert(data, Array.from({ length: 2000 }, (_, i) => `x${added + i}`));
        added += 2000;
        if (added > 2 * predicted) throw new Error('no CAPACITY far past the estimate');
      }
    } catch (err) {
      expect((err as { code?: string }).code, String(err)).toBe('CAPACITY');
    } finally {
      e.setMemoryLimitPages(65536);
    }
    // Never more than the estimate; with the allocator doubling memory, not less than a third of it.
    expect(added).toBeLessThanOrEqual(predicted);
    expect(added + 2000).toBeGreaterThan(predicted / 3);
    index.close();
  });
});

describe('searchBatch', () => {
  for (const metric of ['cosine', 'euclidean', 'dot'] as const) {
    it(`${metric}: one result list per query, as search() gives them; exact on a small index against brute force`, async () => {
      const { index } = await build(200, { metric });
      index.deleteMany(['k0', 'k10', 'k20']);
      const queries = clusteredVectors(25, DIM, 6, 307);
      const loop = Array.from({ length: 25 }, (_, i) => index.search(row(queries, DIM, i), 7));
      expect(index.searchBatch(queries, 7)).toEqual(loop);
      expect(index.searchBatch(Array.from({ length: 25 }, (_, i) => Array.from(row(queries, DIM, i))), 7)).toEqual(loop);
      expect(index.searchBatch(Float64Array.from(queries), 7)).toEqual(loop);
      // ef >= n: the search expands every node it can reach, so the plain way gives the same keys and
      // scores. (Dot product is not a metric: its graph can leave a node unreachable, so there the
      // check is recall, and each returned score against the plain one.)
      const exact = index.searchBatch(queries, 10, { ef: 400 });
      let hits = 0;
      exact.forEach((results, i) => {
        const ref = bruteForce(index, metric, row(queries, DIM, i), 10);
        const refScore = new Map(bruteForce(index, metric, row(queries, DIM, i), 1000).map((r) => [r.key, r.score]));
        if (metric !== 'dot') expect(results.map((r) => r.key)).toEqual(ref.map((r) => r.key));
        hits += results.filter((r) => ref.some((x) => x.key === r.key)).length;
        results.forEach((r) => expect(r.score).toBeCloseTo(refScore.get(r.key)!, 4));
      });
      expect(hits / 250).toBeGreaterThanOrEqual(metric === 'dot' ? 0.95 : 1);
      index.close();
    });
  }

  it('options: filter (run once per entry per batch), minScore, ef, k past the size', async () => {
    const { index } = await build(120);
    const queries = clusteredVectors(10, DIM, 6, 308);
    let calls = 0;
    const filter = (_key: string, meta: unknown): boolean => {
      calls++;
      return (meta as { even: boolean }).even;
    };
    const batch = index.searchBatch(queries, 5, { filter });
    expect(calls).toBe(120);
    const loop = Array.from({ length: 10 }, (_, i) => index.search(row(queries, DIM, i), 5, { filter }));
    expect(batch).toEqual(loop);
    for (const results of batch) for (const r of results) expect((r.metadata as { even: boolean }).even).toBe(true);
    expect(index.searchBatch(queries, 5, { filter: () => false })).toEqual(Array.from({ length: 10 }, () => []));
    expect(index.searchBatch(queries, 8, { minScore: 0.9 })).toEqual(Array.from({ length: 10 }, (_, i) => index.search(row(queries, DIM, i), 8, { minScore: 0.9 })));
    expect(index.searchBatch(queries, 5, { ef: 7 })).toEqual(Array.from({ length: 10 }, (_, i) => index.search(row(queries, DIM, i), 5, { ef: 7 })));
    const all = index.searchBatch(queries, 1000, { ef: 300 });
    for (const results of all) expect(results.length).toBe(120);
    expect(index.searchBatch(new Float32Array(0), 3)).toEqual([]);
    expect(index.searchBatch([], 3)).toEqual([]);
    index.close();
  });

  it('a larger batch than the last reuses the engine buffers, and results stay right as they grow', async () => {
    const { index } = await build(300);
    for (const n of [1, 40, 3, 200, 2]) {
      const queries = clusteredVectors(n, DIM, 6, 309 + n);
      const results: HnswSearchResult[][] = index.searchBatch(queries, 4);
      expect(results).toEqual(Array.from({ length: n }, (_, i) => index.search(row(queries, DIM, i), 4)));
    }
    index.close();
  });

  it('every query is checked first: DIMENSION_MISMATCH, INVALID_VECTOR, INVALID_ARGUMENT; nothing is searched', async () => {
    const { index } = await build(40);
    const good = Array.from(row(clusteredVectors(1, DIM, 1, 310), DIM, 0));
    let filtered = 0;
    const filter = (): boolean => {
      filtered++;
      return true;
    };
    expectCode(() => index.searchBatch(new Float32Array(DIM * 2 + 1), 3, { filter }), 'DIMENSION_MISMATCH');
    expectCode(() => index.searchBatch([good, good.slice(1)], 3, { filter }), 'DIMENSION_MISMATCH');
    expectCode(() => index.searchBatch([good, [...good.slice(1), NaN]], 3, { filter }), 'INVALID_VECTOR');
    const flat = new Float32Array(DIM * 3);
    flat[DIM * 2 + 1] = Infinity;
    expectCode(() => index.searchBatch(flat, 3, { filter }), 'INVALID_VECTOR');
    expectCode(() => index.searchBatch('q' as never, 3), 'INVALID_VECTOR');
    expectCode(() => index.searchBatch([good], 0), 'INVALID_ARGUMENT');
    expectCode(() => index.searchBatch([good], 3, { ef: 0 }), 'INVALID_ARGUMENT');
    expectCode(() => index.searchBatch([good], 3, { filter: 1 as never }), 'INVALID_ARGUMENT');
    expectCode(() => index.searchBatch([good], 3, { eff: 5 } as never), 'INVALID_ARGUMENT');
    // A cosine query needs a direction, as in search().
    expectCode(() => index.searchBatch([good, new Array(DIM).fill(0)], 3, { filter }), 'INVALID_VECTOR');
    expect(filtered).toBe(0);
    const empty = await HnswIndex.create({ dimension: DIM });
    expect(empty.searchBatch([good, good], 3)).toEqual([[], []]);
    empty.close();
    index.close();
    expectCode(() => index.searchBatch([good], 3), 'CLOSED');
  });
});

describe('refresh() without a file', () => {
  it('an index from create() or load() has nothing to load: false', async () => {
    const { index } = await build(10);
    expect(await index.refresh()).toBe(false);
    index.close();
    await expectCodeAsync(() => index.refresh(), 'CLOSED');
  });
});
