// HnswIndex.compact() in memory: what it reclaims, that the result is the fresh index of the live
// entries (same save() bytes, same answers, same get()), that recall against brute force is unchanged,
// and that an abort, a throwing onProgress or close() leaves the index exactly as it was.
// Persistent files: test/suites/hnsw-file.suite.ts.
import { describe, expect, it } from 'vitest';
import { HnswIndex, type HnswIndexOptions, type HnswMetric } from '../src/hnsw-index.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { YIELD_MS } from '../src/hnsw/time.js';
import { expectCode, expectCodeAsync } from './support/expect-code.js';
import { clusteredVectors } from './support/random.js';
import { refCosine, refDot, refL2sq } from './support/reference.js';
import { row } from './support/rows.js';

const DIM = 24;
const OPTIONS: HnswIndexOptions = { dimension: DIM, M: 8, efConstruction: 64, efSearch: 40, seed: 11 };

/** The index's save() bytes, as a Buffer: vitest's deep equality is slow on large typed arrays. */
async function snapshotBytes(index: HnswIndex): Promise<Buffer> {
  const backend = new MemoryBackend();
  await index.save('snap', { backend });
  return Buffer.from(backend.getBytes('snap'));
}

function expectSameBytes(got: Buffer, want: Buffer): void {
  expect(got.length).toBe(want.length);
  expect(got.equals(want), 'the same bytes').toBe(true);
}

interface Live {
  vector: Float32Array;
  metadata: unknown;
}

/**
 * `live` keys, then `upserts` upserts of random live keys and some deletes; returns the index and its
 * live entries in the order of each key's last write (a Map moves a re-set key only if deleted first).
 */
/** Holds the thread for `ms`, as slow work between two of the rebuild's yields would. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function churned(metric: HnswMetric, live: number, upserts: number, seed = 7): Promise<{ index: HnswIndex; entries: Map<string, Live>; slots: number }> {
  const data = clusteredVectors(live + upserts, DIM, 8, seed);
  const index = await HnswIndex.create({ ...OPTIONS, metric });
  const entries = new Map<string, Live>();
  let slots = 0;
  const put = (key: string, i: number, metadata: unknown): void => {
    index.insert(key, row(data, DIM, i), metadata);
    slots++;
    entries.delete(key);
    entries.set(key, { vector: row(data, DIM, i), metadata });
  };
  for (let i = 0; i < live; i++) put(`k${i}`, i, i % 3 === 0 ? undefined : { i });
  for (let u = 0; u < upserts; u++) {
    const key = `k${(u * 7919) % live}`;
    if (u % 50 === 49) {
      index.delete(key);
      entries.delete(key);
    } else put(key, live + u, { u });
  }
  return { index, entries, slots };
}

async function freshOf(metric: HnswMetric, entries: Map<string, Live>): Promise<HnswIndex> {
  const fresh = await HnswIndex.create({ ...OPTIONS, metric });
  await fresh.batchInsert([...entries].map(([key, e]) => ({ key, vector: e.vector, metadata: e.metadata })));
  return fresh;
}

function answers(index: HnswIndex, queries: Float32Array, ef?: number): unknown {
  return Array.from({ length: queries.length / DIM }, (_, q) => index.search(row(queries, DIM, q), 10, ef === undefined ? undefined : { ef }));
}

const SCORE = { cosine: refCosine, dot: refDot, euclidean: (a: Float32Array, b: Float32Array) => -Math.sqrt(refL2sq(a, b)) };

/** recall@10 of `index` against exact search over `entries` (its live entries). */
function recall(index: HnswIndex, metric: HnswMetric, entries: Map<string, Live>, queries: Float32Array): number {
  let hit = 0;
  let total = 0;
  for (let q = 0; q < queries.length / DIM; q++) {
    const query = row(queries, DIM, q);
    const exact = [...entries].map(([key, e]) => [key, SCORE[metric](query, e.vector)] as const)
      .sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key);
    const got = new Set(index.search(query, 10, { ef: 40 }).map((r) => r.key));
    hit += exact.filter((key) => got.has(key)).length;
    total += exact.length;
  }
  return hit / total;
}

describe('HnswIndex.compact', () => {
  const queries = clusteredVectors(40, DIM, 8, 99);

  for (const metric of ['cosine', 'euclidean', 'dot'] as const) {
    it(`${metric}: 100 live keys upserted 2,000 times compact to the fresh index of the live entries`, async () => {
      const { index, entries, slots } = await churned(metric, 100, 2000);
      const before = await snapshotBytes(index);
      const fresh = await freshOf(metric, entries);
      const freshBytes = await snapshotBytes(fresh);
      // What churn costs: the dead slots stay in the snapshot.
      expect(before.length).toBeGreaterThan(10 * freshBytes.length);
      const gotBefore = [...entries.keys()].map((key) => index.get(key));
      const recallBefore = recall(index, metric, entries, queries);

      const progress: Array<[number, number]> = [];
      const { reclaimed } = await index.compact({ onProgress: (done, total) => progress.push([done, total]) });
      expect(reclaimed).toBe(slots - entries.size);
      expect(progress.at(-1)).toEqual([entries.size, entries.size]);

      // The fresh index, byte for byte (so within 1.1x of it, trivially), and the same answers at any ef.
      expectSameBytes(await snapshotBytes(index), freshBytes);
      expect(answers(index, queries, 1)).toEqual(answers(fresh, queries, 1));
      expect(answers(index, queries)).toEqual(answers(fresh, queries));
      // Keys, metadata and stored vectors: unchanged, to the bit.
      expect(index.size()).toBe(entries.size);
      expect([...entries.keys()].map((key) => index.get(key))).toEqual(gotBefore);
      expect(index.has('k49')).toBe(entries.has('k49'));
      // Recall against brute force: the fresh index's, and no worse than before (fixed data and seed).
      const recallAfter = recall(index, metric, entries, queries);
      expect(recallAfter).toBe(recall(fresh, metric, entries, queries));
      expect(recallAfter).toBeGreaterThanOrEqual(recallBefore - 0.01);
      expect(recallAfter).toBeGreaterThan(0.9);
      // Nothing more to reclaim: a no-op.
      expect(await index.compact()).toEqual({ reclaimed: 0 });
      expectSameBytes(await snapshotBytes(index), freshBytes);
      // The compacted index takes writes like any other.
      index.insert('after', row(queries, DIM, 0), { after: true });
      expect(index.search(row(queries, DIM, 0), 1)[0]!.key).toBe('after');
      index.close();
      fresh.close();
    });
  }

  it('an index without dead slots reclaims nothing and is left as it was', async () => {
    const index = await HnswIndex.create(OPTIONS);
    const calls: Array<[number, number]> = [];
    expect(await index.compact({ onProgress: (d, t) => calls.push([d, t]) })).toEqual({ reclaimed: 0 });
    expect(calls).toEqual([[0, 0]]);
    await index.batchInsert(clusteredVectors(50, DIM, 4, 3), Array.from({ length: 50 }, (_, i) => `x${i}`));
    const bytes = await snapshotBytes(index);
    expect(await index.compact()).toEqual({ reclaimed: 0 });
    expectSameBytes(await snapshotBytes(index), bytes);
  });

  it('deleting every entry compacts to an empty index', async () => {
    const index = await HnswIndex.create(OPTIONS);
    const data = clusteredVectors(30, DIM, 4, 5);
    await index.batchInsert(data, Array.from({ length: 30 }, (_, i) => `x${i}`));
    for (let i = 0; i < 30; i++) index.delete(`x${i}`);
    expect(await index.compact()).toEqual({ reclaimed: 30 });
    expectSameBytes(await snapshotBytes(index), await snapshotBytes(await HnswIndex.create(OPTIONS)));
    expect(index.search(row(data, DIM, 0), 3)).toEqual([]);
  });

  it('a loaded index (its seed is not saved) compacts deterministically from its generator state', async () => {
    const { index } = await churned('cosine', 60, 300);
    const backend = new MemoryBackend();
    await index.save('s', { backend });
    const a = await HnswIndex.load('s', { backend });
    const b = await HnswIndex.load('s', { backend });
    expect(await a.compact()).toEqual(await b.compact());
    expectSameBytes(await snapshotBytes(a), await snapshotBytes(b));
    expect(answers(a, queries)).toEqual(answers(index, queries));
  });

  describe('all or nothing', () => {
    it('a signal that a timer aborts mid-compaction: ABORTED, and the index exactly as before', async () => {
      // Big enough that the rebuild yields to the event loop (every 20 ms) many times.
      const { index } = await churned('cosine', 2000, 1000, 21);
      const bytes = await snapshotBytes(index);
      const before = answers(index, queries, 1);
      const controller = new AbortController();
      let progressed = 0;
      // The timer is armed at the first progress report, and that report takes longer than the rebuild
      // waits between yields: however fast this machine rebuilds, the timer fires mid-compaction.
      const onProgress = (done: number): void => {
        if (progressed === 0) {
          setTimeout(() => controller.abort(), 0);
          busyWait(YIELD_MS + 5);
        }
        progressed = done;
      };
      await expectCodeAsync(() => index.compact({ signal: controller.signal, onProgress }), 'ABORTED');
      expect(progressed).toBeGreaterThan(0);
      expect(progressed).toBeLessThan(index.size());
      expectSameBytes(await snapshotBytes(index), bytes);
      expect(answers(index, queries, 1)).toEqual(before);
      // And it can compact afterwards.
      expect((await index.compact()).reclaimed).toBeGreaterThan(0);
    });

    it('an already aborted signal, or onProgress throwing: nothing changes', async () => {
      const { index } = await churned('euclidean', 200, 400);
      const bytes = await snapshotBytes(index);
      const controller = new AbortController();
      controller.abort();
      await expectCodeAsync(() => index.compact({ signal: controller.signal }), 'ABORTED');
      await expect(index.compact({ onProgress: (done) => {
        if (done > 0) throw new Error('stop');
      } })).rejects.toThrow('stop');
      expectSameBytes(await snapshotBytes(index), bytes);
    });

    it('while it runs: reads answer from the index as it was, writes throw LOCKED; close() ends it with CLOSED', async () => {
      const { index, entries } = await churned('cosine', 2000, 1000, 22);
      const before = JSON.stringify(answers(index, queries, 1));
      const [someKey, some] = [...entries][0]!;
      let settled = false;
      // The first progress report outlasts the rebuild's yield interval, so it yields to the timers
      // below at least once however fast this machine rebuilds.
      let slowed = false;
      const onProgress = (): void => {
        if (!slowed) busyWait(YIELD_MS + 5);
        slowed = true;
      };
      const running = index.compact({ onProgress }).finally(() => {
        settled = true;
      });
      let reads = 0;
      const outcomes: Array<Promise<string>> = [];
      // Polls from timers, which only fire while the compaction yields to the event loop.
      await new Promise<void>((resolve) => {
        const poll = (): void => {
          if (settled) return resolve();
          expect(JSON.stringify(answers(index, queries, 1)) === before, 'a read during compact answers from the old graph').toBe(true);
          expect(index.get(someKey)!.metadata).toEqual(some.metadata);
          reads++;
          for (const write of [
            () => index.insert('w', row(queries, DIM, 0)),
            () => index.delete(someKey),
            () => index.checkpoint(),
            () => index.batchInsert([{ key: 'w', vector: row(queries, DIM, 0) }]),
            () => index.compact(),
            () => index.save('x', { backend: new MemoryBackend() }),
          ]) {
            try {
              const p: unknown = write();
              if (p instanceof Promise) outcomes.push(p.then(() => 'done', (err: { code: string }) => err.code));
              else outcomes.push(Promise.resolve('done'));
            } catch (err) {
              outcomes.push(Promise.resolve((err as { code: string }).code));
            }
          }
          setTimeout(poll, 0);
        };
        setTimeout(poll, 0);
      });
      await running;
      expect(reads).toBeGreaterThan(0);
      expect(await Promise.all(outcomes)).toEqual(Array(6 * reads).fill('LOCKED'));
      expect(index.has('w')).toBe(false);
      expect(index.has(someKey)).toBe(true);

      // close() during a compaction: it rejects with CLOSED.
      const again = await churned('cosine', 2000, 1000, 23);
      let armed = false;
      const pending = again.index.compact({
        onProgress: () => {
          if (armed) return;
          armed = true;
          setTimeout(() => again.index.close(), 0);
          busyWait(YIELD_MS + 5);
        },
      });
      await expectCodeAsync(() => pending, 'CLOSED');
    });
  });

  it('bad options are INVALID_ARGUMENT; a closed index is CLOSED', async () => {
    const index = await HnswIndex.create(OPTIONS);
    await expectCodeAsync(() => index.compact(5 as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.compact({ onProgress: 'x' as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.compact({ signal: {} as never }), 'INVALID_ARGUMENT');
    index.close();
    await expectCodeAsync(() => index.compact(), 'CLOSED');
    expectCode(() => index.size(), 'CLOSED');
  });
});
