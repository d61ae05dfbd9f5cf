// HnswIndex and MemMapVector on worker threads (issue 11): parallel batchInsert rounds into one graph,
// searchBatch and exact scans split across threads. The parallel build is checked for recall against a
// serial one, never for identity (threads interleave); everything that must be exact is checked exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { type Engine, JOBS } from '../src/engine/engine.js';
import type { MetadataFilter } from '../src/filter/filter.js';
import { HnswIndex } from '../src/hnsw-index.js';
import { MemMapVector } from '../src/memmap-vector.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { Gang } from '../src/threads/gang.js';
import { fsBackend } from '../src/storage/fs.js';
import { readIndexHeader } from '../src/hnsw/open-file.js';
import { expectCodeAsync } from './support/expect-code.js';
import { keysFor, observe } from './support/hnsw-fixtures.js';
import { clusteredVectors } from './support/random.js';
import { row } from './support/rows.js';

/** The engine behind an index (to see whether its workers ran). */
function engineOf(index: HnswIndex): Engine {
  return (index as unknown as { core: { engine: { engine: Engine } } }).core.engine.engine;
}

/** recall@10 of `index` at `ef` against siftsmall's groundtruth. */
function siftRecall(index: HnswIndex, ef: number): number {
  const { queries, groundtruth } = loadSiftSmall();
  let hits = 0;
  for (let q = 0; q < queries.count; q++) {
    const got = new Set(index.search(row(queries.data, queries.dim, q), 10, { ef }).map((r) => Number(r.key)));
    for (let j = 0; j < 10; j++) if (got.has(groundtruth.data[q * groundtruth.dim + j]!)) hits++;
  }
  return hits / (queries.count * 10);
}

async function snapshotBytes(index: HnswIndex): Promise<Uint8Array> {
  const backend = new MemoryBackend();
  await index.save('s', { backend });
  const file = await backend.open('s', { readOnly: true });
  const bytes = new Uint8Array(file.size());
  file.read(0, bytes);
  file.close();
  return bytes;
}

describe('HnswIndex on threads', () => {
  const sift = loadSiftSmall();
  const siftKeys = keysFor(sift.base.count, '');

  it.each(['f32', 'i8'] as const)('a parallel %s build of siftsmall has the recall of a serial one (within 0.005), on worker threads', async (quantization) => {
    const serial = await HnswIndex.create({ dimension: 128, metric: 'euclidean', quantization, threads: 1 });
    const parallel = await HnswIndex.create({ dimension: 128, metric: 'euclidean', quantization, threads: 2 });
    expect(serial.threads).toBe(1);
    expect(parallel.threads).toBe(2);
    await serial.batchInsert(sift.base.data, siftKeys);
    await parallel.batchInsert(sift.base.data, siftKeys);
    expect(engineOf(serial).workersReady).toBe(0);
    expect(engineOf(parallel).workersReady).toBe(1);
    expect(parallel.size()).toBe(sift.base.count);
    for (const ef of [16, 50]) {
      const [rs, rp] = [siftRecall(serial, ef), siftRecall(parallel, ef)];
      console.log(`siftsmall ${quantization} ef ${ef}: recall@10 serial ${rs.toFixed(4)}, 2 threads ${rp.toFixed(4)}`);
      expect(rp).toBeGreaterThanOrEqual(rs - 0.005);
    }
    // Every vector is stored as given (an i8 index keeps the original), whichever thread linked it.
    for (const i of [0, 1, 5000, 9999]) expect(parallel.get(String(i))!.vector).toEqual(row(sift.base.data, 128, i));
    const engine = engineOf(parallel);
    serial.close();
    parallel.close();
    expect(engine.workersReady).toBe(0);
  });

  it('threads: 1 builds the same index every time, byte for byte', async () => {
    const data = clusteredVectors(3000, 16, 8, 21);
    const keys = keysFor(3000);
    const [a, b] = [await HnswIndex.create({ dimension: 16, threads: 1 }), await HnswIndex.create({ dimension: 16, threads: 1 })];
    await a.batchInsert(data, keys);
    await b.batchInsert(data, keys);
    expect(await snapshotBytes(a)).toEqual(await snapshotBytes(b));
    a.close();
    b.close();
  });

  it('searchBatch on 2 threads answers exactly as on 1, for f32 and i8', async () => {
    for (const quantization of ['f32', 'i8'] as const) {
      const dim = 32;
      const data = clusteredVectors(4000, dim, 10, 31);
      const queries = clusteredVectors(300, dim, 10, 32);
      const index = await HnswIndex.create({ dimension: dim, quantization, threads: 2 });
      await index.batchInsert(data, keysFor(4000));
      const one = index.searchBatch(queries, 10, { threads: 1 });
      const two = index.searchBatch(queries, 10, { ef: 64 });
      expect(index.searchBatch(queries, 10, { threads: 2, ef: 64 })).toEqual(two);
      expect(index.searchBatch(queries, 10, { threads: 1, ef: 64 })).toEqual(two);
      expect(one).toEqual(index.searchBatch(queries, 10));
      for (let q = 0; q < 300; q += 37) expect(two[q]).toEqual(index.search(row(queries, dim, q), 10, { ef: 64 }));
      index.close();
    }
  });

  it('4 threads (more than this machine\'s cores), varied per call: every batch and search still exact', async () => {
    const dim = 16;
    const data = clusteredVectors(3000, dim, 8, 81);
    const queries = clusteredVectors(200, dim, 8, 82);
    const index = await HnswIndex.create({ dimension: dim, threads: 4 });
    expect(index.threads).toBe(4);
    await index.batchInsert(data, keysFor(3000), undefined, { threads: 3 });
    await index.batchInsert(data.subarray(0, 1000 * dim), keysFor(1000, 'again'), undefined, { threads: 4 });
    expect(index.size()).toBe(4000);
    const serial = index.searchBatch(queries, 10, { threads: 1 });
    // Jobs on 2, 4, 3 and 4 threads back to back: each worker learns from the job itself whether it takes part.
    for (const threads of [2, 4, 3, 4, 2, 4]) expect(index.searchBatch(queries, 10, { threads })).toEqual(serial);
    expect(engineOf(index).workersReady).toBe(3);
    index.close();
  });

  it('searchBatch with an object filter runs on the threads and answers exactly as on 1; a function filter stays on the caller', async () => {
    const dim = 24;
    const n = 6000;
    const data = clusteredVectors(n, dim, 12, 41);
    const queries = clusteredVectors(120, dim, 12, 42);
    const metadata = Array.from({ length: n }, (_, i) => ({ c: i % 12, n: i, tag: ['a', 'b', 'c'][i % 3]!, rare: i % 500 === 0 }));
    const index = await HnswIndex.create({ dimension: dim, threads: 4 });
    await index.batchInsert(data, keysFor(n), metadata);
    for (let i = 0; i < n; i += 13) index.delete(String(i));
    const jobs = vi.spyOn(Gang.prototype, 'run');
    const filters: MetadataFilter[] = [
      { tag: 'a' }, // one leaf: most of the index
      { rare: true }, // 12 entries: planned as an exact scan of the matches
      { c: { $in: [1, 2, 3] }, n: { $gte: 1000 } }, // an $and of leaves
      { $or: [{ tag: 'b', c: { $lt: 4 } }, { $not: { n: { $lt: 5000 } } }] }, // a program on the evaluation stack
    ];
    for (const filter of filters) {
      const serial = index.searchBatch(queries, 10, { filter, threads: 1 });
      expect(serial.some((r) => r.length > 0)).toBe(true);
      for (const threads of [2, 4, 3]) expect(index.searchBatch(queries, 10, { filter, threads }), JSON.stringify(filter)).toEqual(serial);
      for (let q = 0; q < 120; q += 29) expect(serial[q]).toEqual(index.search(row(queries, dim, q), 10, { filter }));
    }
    expect(jobs).toHaveBeenCalledTimes(filters.length * 3);
    // Each thread returns how many queries it searched: together every query once, and workers took some.
    const shares = jobs.mock.results.map((r) => r.value as number[]);
    for (const share of shares) expect(share.reduce((a, b) => a + b, 0)).toBe(120);
    expect(shares.reduce((sum, share) => sum + share.slice(1).reduce((a, b) => a + b, 0), 0)).toBeGreaterThan(0);
    jobs.mockClear();
    const accepts = (_key: string, m: unknown): boolean => (m as { tag: string }).tag === 'a';
    expect(index.searchBatch(queries, 10, { filter: accepts, threads: 4 })).toEqual(index.searchBatch(queries, 10, { filter: { tag: 'a' }, threads: 1 }));
    expect(jobs).not.toHaveBeenCalled();
    jobs.mockRestore();
    index.close();
  });

  it('a trap on a worker is INTERNAL with that worker\'s own error text, and the workers keep serving', async () => {
    const dim = 16;
    const data = clusteredVectors(1000, dim, 8, 91);
    const index = await HnswIndex.create({ dimension: dim, threads: 2 });
    await index.batchInsert(data, keysFor(1000)); // starts the worker
    const queries = data.subarray(0, 64 * dim);
    const before = index.searchBatch(queries, 5, { threads: 1 });
    const gang = engineOf(index).workers(2)!;
    expect(gang.ready).toBe(1);
    // A real trap on the real worker: its state block address lies past the end of memory (the owner's
    // share does nothing). The error crosses threads through the control block, not by message.
    const pastTheEnd = engineOf(index).memoryBytes + 64;
    const failing = () => gang.run(JOBS.indexOf('hnswSearchBatchPart'), 1, [pastTheEnd, 0, 0, 0, 1, 1, 0, 0, 0, 0], () => 0);
    expect(failing).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/worker thread failed: .*bounds/is) }));
    expect(index.searchBatch(queries, 5, { threads: 2 })).toEqual(before);
    expect(failing).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/bounds/i) }));
    expect(index.searchBatch(queries, 5, { threads: 2 })).toEqual(before);
    index.close();
  });

  it('upserts in a parallel batch: the last row of a key wins, replaced entries are gone', async () => {
    const dim = 8;
    const index = await HnswIndex.create({ dimension: dim, threads: 2 });
    await index.batchInsert(clusteredVectors(300, dim, 4, 41), keysFor(300));
    const data = clusteredVectors(1000, dim, 4, 42);
    // Keys k0..k99 are held already; each of k300..k349 appears twice in the batch.
    const keys = Array.from({ length: 1000 }, (_, i) => (i < 100 ? `k${i}` : i < 900 ? `k${200 + i}` : `k${300 + i - 900}`));
    await index.batchInsert(data, keys, keys.map((key, i) => ({ key, i })));
    expect(index.size()).toBe(300 + 800);
    expect(index.get('k0')!.metadata).toEqual({ key: 'k0', i: 0 });
    expect(index.get('k300')!.metadata).toEqual({ key: 'k300', i: 900 });
    expect(Array.from(index.get('k300')!.vector)).toEqual(Array.from(row(data, dim, 900), (x) => expect.closeTo(x, 5)));
    const hit = index.search(row(data, dim, 900), 1)[0]!;
    expect(hit.key).toBe('k300');
    expect(hit.score).toBeCloseTo(1, 5);
    expect(index.stats().deletedSlots).toBe(100 + 100);
    index.close();
  });

  it('an aborted, closed or failing parallel batch leaves no trace', async () => {
    const dim = 16;
    const base = clusteredVectors(2000, dim, 8, 51);
    const more = clusteredVectors(6000, dim, 8, 52);
    const queries = clusteredVectors(20, dim, 8, 53);
    const index = await HnswIndex.create({ dimension: dim, threads: 2 });
    await index.batchInsert(base, keysFor(2000));
    const before = observe(index, queries, dim);
    const bytes = await snapshotBytes(index);
    const keys = keysFor(6000, 'm').map((k, i) => (i % 5 === 0 ? `k${i}` : k));

    // Aborted after some rounds ran on both threads.
    const controller = new AbortController();
    await expectCodeAsync(() => index.batchInsert(more, keys, undefined, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 2500) controller.abort();
      },
    }), 'ABORTED');
    expect(observe(index, queries, dim)).toEqual(before);
    expect(await snapshotBytes(index)).toEqual(bytes);

    // CAPACITY mid-batch: the memory ceiling drops to what is in use once rounds have run.
    const engine = (index as unknown as { core: { engine: { setMemoryLimitPages(p: number): void; memoryLimitPages(): number } } }).core.engine;
    const pages = engine.memoryLimitPages();
    await expectCodeAsync(() => index.batchInsert(more, keys, undefined, {
      onProgress: (done) => {
        if (done >= 2000) engine.setMemoryLimitPages(engineOf(index).memoryBytes / 65536);
      },
    }), 'CAPACITY');
    engine.setMemoryLimitPages(pages);
    expect(observe(index, queries, dim)).toEqual(before);
    expect(await snapshotBytes(index)).toEqual(bytes);

    // The same batch, uninterrupted, then goes in whole.
    await index.batchInsert(more, keys);
    // 400 of the batch's keys were held (k0..k1995 by fives), 800 new k keys, 4,800 m keys.
    expect(index.size()).toBe(2000 + 800 + 4800);

    // Closed during a parallel batch: CLOSED, and the workers stop.
    const running = engineOf(index);
    const closing = index.batchInsert(clusteredVectors(3000, dim, 8, 54), keysFor(3000, 'z'), undefined, {
      onProgress: (done) => {
        if (done >= 500) index.close();
      },
    });
    await expectCodeAsync(() => closing, 'CLOSED');
    expect(running.workersReady).toBe(0);
  });

  it('compact on threads gives an index with every live entry and the serial recall', async () => {
    const index = await HnswIndex.create({ dimension: 128, metric: 'euclidean', threads: 2 });
    await index.batchInsert(sift.base.data, siftKeys);
    for (let i = 0; i < 10_000; i += 10) index.delete(String(i));
    expect(await index.compact({ threads: 2 })).toEqual({ reclaimed: 1000 });
    expect(index.size()).toBe(9000);
    expect(index.get('10')).toBeNull();
    expect(index.get('11')!.vector).toEqual(row(sift.base.data, 128, 11));
    // Recall against the groundtruth minus the deleted ids: still a working graph.
    const { queries, groundtruth } = loadSiftSmall();
    let hits = 0;
    let wanted = 0;
    for (let q = 0; q < queries.count; q++) {
      const truth = Array.from(groundtruth.data.subarray(q * groundtruth.dim, q * groundtruth.dim + 10)).filter((id) => id % 10 !== 0);
      const got = new Set(index.search(row(queries.data, 128, q), 10, { ef: 50 }).map((r) => Number(r.key)));
      wanted += truth.length;
      for (const id of truth) if (got.has(id)) hits++;
    }
    expect(hits / wanted).toBeGreaterThanOrEqual(0.95);
    index.close();
  });
});

describe('the threads option', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-threads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const BAD = [0, -1, 1.5, 257, Infinity, NaN, '2', null];

  it('is a whole number from 1 to 256 wherever it is taken: anything else is INVALID_ARGUMENT and changes nothing', async () => {
    for (const threads of BAD) {
      await expectCodeAsync(() => HnswIndex.create({ dimension: 4, threads: threads as never }), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => HnswIndex.open(join(dir, 'x.mvh'), { dimension: 4, threads: threads as never }), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => MemMapVector.open(join(dir, 'x.mvx'), { dimension: 4, threads: threads as never }), 'INVALID_ARGUMENT');
    }
    const index = await HnswIndex.create({ dimension: 4, threads: 2 });
    index.insert('a', [1, 2, 3, 4]);
    index.insert('b', [4, 3, 2, 1]);
    index.delete('b');
    const backend = new MemoryBackend();
    await index.save('s', { backend });
    for (const threads of BAD) {
      await expectCodeAsync(() => index.batchInsert([{ key: 'c', vector: [1, 1, 1, 1] }], { threads: threads as never }), 'INVALID_ARGUMENT');
      expect(() => index.searchBatch([[1, 2, 3, 4]], 1, { threads: threads as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      await expectCodeAsync(() => index.compact({ threads: threads as never }), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => HnswIndex.load('s', { backend, threads: threads as never }), 'INVALID_ARGUMENT');
    }
    expect(index.size()).toBe(1);
    expect(index.stats().deletedSlots).toBe(1);
    // search and insert always run on the calling thread: they take no threads option.
    expect(() => index.search([1, 2, 3, 4], 1, { threads: 2 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // A per-call value above the index's runs on the index's threads.
    expect(index.searchBatch([[1, 2, 3, 4]], 1, { threads: 256 })[0]![0]!.key).toBe('a');
    expect((await HnswIndex.load('s', { backend, threads: 1 })).threads).toBe(1);
    index.close();
  });
});

describe('a persistent index on threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-threads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('commits a parallel batch as one log record, and reopens with every entry', async () => {
    const dim = 16;
    const path = join(dir, 'a.mvh');
    const data = clusteredVectors(3000, dim, 8, 61);
    const index = await HnswIndex.open(path, { dimension: dim, threads: 2, checkpointLogBytes: Infinity });
    const records = async (): Promise<number> => {
      const file = await fsBackend.open(path, { readOnly: true });
      try {
        return readIndexHeader(file, path).header.logRecords;
      } finally {
        file.close();
      }
    };
    const before = await records();
    await index.batchInsert(data, keysFor(3000));
    expect(engineOf(index).workersReady).toBe(1);
    expect(await records()).toBe(before + 1);
    index.close();
    const again = await HnswIndex.open(path, { threads: 2 });
    expect(again.size()).toBe(3000);
    for (const i of [0, 1499, 2999]) expect(again.search(row(data, dim, i), 1)[0]!.key).toBe(`k${i}`);
    again.close();
  });
});

describe('MemMapVector on threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-threads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The default backend (mmap in Node and Bun) and fs give the workers a descriptor to read their share
  // with (not in Deno: descriptors there belong to one isolate); the memory backend has none, so this
  // thread reads every block while the workers scan.
  it.each([
    ['f32', 'default'], ['i8', 'default'], ['f32', 'fs'], ['f32', 'memory'], ['i8', 'memory'],
  ] as const)('a large %s file (%s backend) scans on 2 threads with exactly the results of 1', async (quantization, backend) => {
    const dim = 128;
    const n = 40_000; // 20 MiB of f32 and 5.5 MiB of i8 codes: past the 4 MiB that go parallel
    const path = join(dir, `${quantization}-${backend}.mvx`);
    const store = await MemMapVector.open(path, { dimension: dim, quantization, threads: 2, ...(backend !== 'default' && { backend }) });
    const data = clusteredVectors(n, dim, 20, 71);
    for (let i = 0; i < n; i += 10_000) store.addVectors(data.subarray(i * dim, (i + 10_000) * dim));
    for (let id = 0; id < n; id += 7) store.markDeleted(id);
    const queries = clusteredVectors(3, dim, 20, 72);
    store.cosineSearch(row(queries, dim, 0), { topK: 10 }); // starts the workers
    for (let waited = 0; engineOfStore(store).workersReady === 0 && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(engineOfStore(store).workersReady).toBe(1);
    for (let q = 0; q < 3; q++) {
      const query = row(queries, dim, q);
      for (const topK of [1, 10, 100]) {
        expect(store.cosineSearch(query, { topK, threads: 2 })).toEqual(store.cosineSearch(query, { topK, threads: 1 }));
      }
      expect(store.cosineSearch(query, { topK: 50, minScore: 0.5 })).toEqual(store.cosineSearch(query, { topK: 50, minScore: 0.5, threads: 1 }));
    }
    for (const threads of [0, 1.5, 257, '2']) {
      expect(() => store.cosineSearch(row(queries, dim, 0), { threads: threads as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    const engine = engineOfStore(store);
    store.close();
    expect(engine.workersReady).toBe(0);
  });
});

function engineOfStore(store: MemMapVector): Engine {
  return (store as unknown as { engine: Engine }).engine;
}
