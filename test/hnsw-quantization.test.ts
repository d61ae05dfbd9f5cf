// Quantized HNSW indexes (f16, i8): recall against f32 at the same ef, exact scores after the rerank,
// the originals kept outside engine memory (get, save/load, compact), an index without originals,
// and bad input.
import { describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { HnswIndex, type HnswMetric } from '../src/hnsw-index.js';
import type { Quantization } from '../src/engine/element-type.js';
import { expectCode, expectCodeAsync } from './support/expect-code.js';
import { keysFor, refSearch, tempDirs } from './support/hnsw-fixtures.js';
import { clusteredVectors } from './support/random.js';
import { row } from './support/rows.js';

const tmp = tempDirs('memvec-quant-');
const KINDS: Quantization[] = ['f16', 'i8'];

/** recall@10 of `index` against exact brute force over `data`, and the largest score error of the hits. */
function measure(index: HnswIndex, metric: HnswMetric, data: Float32Array, queries: Float32Array, dim: number, nq: number, ef: number) {
  let hits = 0;
  let worstScoreError = 0;
  for (let q = 0; q < nq; q++) {
    const query = row(queries, dim, q);
    const truth = refSearch(metric, data, dim, query, 10);
    const exact = new Map(truth.map((t) => [t.id, t.score]));
    for (const r of index.search(query, 10, { ef })) {
      const id = Number(r.key.slice(1));
      const want = exact.get(id);
      if (want === undefined) continue;
      hits++;
      worstScoreError = Math.max(worstScoreError, Math.abs(r.score - want) / Math.max(1, Math.abs(want)));
    }
  }
  return { recall: hits / (nq * 10), worstScoreError };
}

describe('quantized HnswIndex', () => {
  const sets = [
    { name: 'siftsmall (euclidean)', metric: 'euclidean' as HnswMetric, load: () => {
      const { base, queries } = loadSiftSmall();
      return { data: base.data.subarray(0, 5000 * base.dim), queries: queries.data, dim: base.dim, nq: 50 };
    } },
    { name: 'clustered 128-d (cosine)', metric: 'cosine' as HnswMetric, load: () => {
      const dim = 128;
      const all = clusteredVectors(5000 + 50, dim, 50, 11, false);
      return { data: all.subarray(0, 5000 * dim), queries: all.subarray(5000 * dim), dim, nq: 50 };
    } },
  ];

  for (const set of sets) {
    it(`${set.name}: f16 and i8 recall@10 within 0.01 of f32 at the same ef, with exact scores`, async () => {
      const { data, queries, dim, nq } = set.load();
      const results: Record<string, { recall: number; worstScoreError: number }> = {};
      for (const quantization of ['f32', ...KINDS] as Quantization[]) {
        // threads: 1: the kinds are compared on builds that differ only in the kind (i8 sits at the margin at ef 12).
        const index = await HnswIndex.create({ dimension: dim, metric: set.metric, M: 12, efConstruction: 100, quantization, threads: 1 });
        await index.batchInsert(data, keysFor(data.length / dim));
        // A shallow search (ef below k × rerank: it rescores all it found) and a usual one.
        for (const ef of [12, 32]) results[`${quantization} ef ${ef}`] = measure(index, set.metric, data, queries, dim, nq, ef);
        index.close();
      }
      console.log(`${set.name}: ${JSON.stringify(results)}`);
      for (const kind of KINDS) {
        for (const ef of [12, 32]) {
          const got = results[`${kind} ef ${ef}`]!;
          expect(got.recall).toBeGreaterThanOrEqual(results[`f32 ef ${ef}`]!.recall - 0.01);
          // Reranked with the f32 originals: the scores are the f32 index's (to f32 rounding).
          expect(got.worstScoreError).toBeLessThan(1e-4);
        }
      }
    });
  }

  for (const quantization of KINDS) {
    it(`${quantization}: get returns the original; save/load, compact and an index without originals`, async () => {
      const dim = 24;
      const n = 400;
      const data = clusteredVectors(n, dim, 8, 3, false);
      const index = await HnswIndex.create({ dimension: dim, metric: 'euclidean', quantization });
      await index.batchInsert(data, keysFor(n));
      expect(index.quantization).toBe(quantization);
      expect(index.get('k7')!.vector).toEqual(row(data, dim, 7));
      // Deletes and upserts, then a compaction: the originals follow their entries.
      for (let i = 0; i < n; i += 3) index.delete(`k${i}`);
      index.insert('k1', row(data, dim, 2));
      await index.compact();
      expect(index.get('k1')!.vector).toEqual(row(data, dim, 2));
      expect(index.get('k5')!.vector).toEqual(row(data, dim, 5));
      const q = row(data, dim, 10);
      const before = index.search(q, 5);
      const path = `${tmp()}/q.hnsw`;
      await index.save(path);
      const loaded = await HnswIndex.load(path);
      expect(loaded.quantization).toBe(quantization);
      expect(loaded.search(q, 5)).toEqual(before);
      expect(loaded.get('k5')!.vector).toEqual(row(data, dim, 5));
      loaded.close();
      index.close();

      const bare = await HnswIndex.create({ dimension: dim, metric: 'euclidean', quantization, rerank: false });
      await bare.batchInsert(data, keysFor(n));
      expect(bare.rerank).toBe(false);
      const approx = bare.get('k7')!.vector;
      const original = row(data, dim, 7);
      const tolerance = quantization === 'f16' ? 1e-2 : 0.05;
      for (let j = 0; j < dim; j++) expect(Math.abs(approx[j]! - original[j]!)).toBeLessThan(tolerance * Math.max(1, Math.abs(original[j]!)));
      const barePath = `${tmp()}/bare.hnsw`;
      await bare.save(barePath);
      const bareLoaded = await HnswIndex.load(barePath);
      expect(bareLoaded.search(q, 5)).toEqual(bare.search(q, 5));
      bareLoaded.close();
      bare.close();
    });
  }

  it('capacity: under the same memory ceiling an i8 index holds over 3× the vectors of an f32 one (512-d), f16 over 1.4×', async () => {
    const dim = 512;
    const data = clusteredVectors(1000, dim, 8, 21, true);
    type Hook = { core: { engine: { setMemoryLimitPages(p: number): void; memoryBytes: number } } };
    const held: Record<string, number> = {};
    for (const quantization of ['f32', 'f16', 'i8'] as Quantization[]) {
      // Cheap graphs: the point is the bytes per vector, not the graph's quality. One thread: a
      // parallel batch also reserves per-round room (the worst-case undo log, the workers' scratch),
      // which under a ceiling this low would blur the per-kind comparison.
      const index = await HnswIndex.create({ dimension: dim, M: 4, efConstruction: 8, quantization, threads: 1 });
      const e = (index as unknown as Hook).core.engine;
      // 4 GiB cannot be filled in a test: the ceiling is 64 MiB above a fresh engine's memory, the same for each kind.
      e.setMemoryLimitPages(Math.ceil(e.memoryBytes / 65536) + 1024);
      let added = 0;
      try {
        for (;;) {
          await index.batchInsert(data, Array.from({ length: 1000 }, (_, i) => `x${added + i}`));
          added += 1000;
        }
      } catch (err) {
        expect((err as { code?: string }).code, String(err)).toBe('CAPACITY');
      }
      // All or nothing: the batch that hit the ceiling left no trace.
      expect(index.size()).toBe(added);
      held[quantization] = added;
      index.close();
    }
    console.log(`vectors of 512-d under a 64 MiB ceiling: ${JSON.stringify(held)}`);
    expect(held.i8!).toBeGreaterThanOrEqual(3 * held.f32!);
    // Not the 1.9× of the bytes per vector: the allocator grows memory by doubling, in coarse steps.
    expect(held.f16!).toBeGreaterThanOrEqual(1.4 * held.f32!);
  });

  it('filters, entries() and values past f16\'s range: every kind answers as f32 does', async () => {
    const dim = 16;
    const n = 600;
    const data = clusteredVectors(n, dim, 6, 41, false);
    // Values past ±65504: f16 stores them clamped, the originals keep them, so scores stay exact.
    data[3 * dim] = 1e6;
    data[5 * dim + 1] = -2e5;
    const metas = Array.from({ length: n }, (_, i) => ({ group: i % 7, even: i % 2 === 0 }));
    const queries = clusteredVectors(8, dim, 6, 42, false);
    const answers: Record<string, unknown> = {};
    for (const quantization of ['f32', ...KINDS] as Quantization[]) {
      const index = await HnswIndex.create({ dimension: dim, metric: 'euclidean', quantization });
      await index.batchInsert(data, keysFor(n), metas);
      const got: unknown[] = [];
      for (let q = 0; q < 8; q++) {
        const query = row(queries, dim, q);
        // ef above the size: exhaustive, so every kind must give the exact answer; rerank all candidates.
        const options = { ef: 1000, ...(quantization === 'f32' ? {} : { rerank: 100 }) };
        got.push(index.search(query, 5, { ...options, filter: { group: 3 } }));
        got.push(index.search(query, 5, { ...options, filter: (_k, m) => (m as { even: boolean }).even }));
      }
      got.push(index.search(row(data, dim, 3), 1, { ef: 1000 }));
      got.push(index.count({ group: { $in: [1, 2] } }));
      const entries = [...index.entries()];
      expect(entries.find((e) => e.key === 'k3')!.vector[0]).toBe(1e6);
      answers[quantization] = got;
      index.close();
    }
    expect(answers.f16).toEqual(answers.f32);
    expect(answers.i8).toEqual(answers.f32);
    // Without originals, f16 gives back the clamped value: documented.
    const bare = await HnswIndex.create({ dimension: dim, metric: 'euclidean', quantization: 'f16', rerank: false });
    bare.insert('big', row(data, dim, 3));
    expect(bare.get('big')!.vector[0]).toBe(65504);
    bare.close();
  });

  it('bad input: unknown quantization, rerank on f32, rerank out of range, rerank on an index without originals', async () => {
    await expectCodeAsync(() => HnswIndex.create({ dimension: 4, quantization: 'i4' as Quantization }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => HnswIndex.create({ dimension: 4, rerank: 2 }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => HnswIndex.create({ dimension: 4, quantization: 'i8', rerank: 0 }), 'INVALID_ARGUMENT');
    const bare = await HnswIndex.create({ dimension: 4, quantization: 'i8', rerank: false });
    await bare.insert('a', [1, 2, 3, 4]);
    expectCode(() => bare.search([1, 2, 3, 4], 1, { rerank: 2 }), 'INVALID_ARGUMENT');
    bare.close();
  });
});
