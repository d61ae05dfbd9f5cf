import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { MemvecError } from '../src/errors.js';
import { crc32 } from '../src/format/crc32.js';
import { HnswIndex, type HnswMetric, type HnswSearchResult } from '../src/hnsw-index.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { clusteredVectors, randomVectors, rng } from './support/random.js';
import { refCosine, refCosineTopK, refDot, refL2sq } from './support/reference.js';
import { expectCodeAsync } from './support/expect-code.js';
import { row } from './support/rows.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-hnsw-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function keysFor(n: number, prefix = 'k'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Plain-JS exact search with the same score definitions as the index. */
function refSearch(
  metric: HnswMetric,
  data: Float32Array,
  dim: number,
  q: ArrayLike<number>,
  k: number,
  ids?: number[],
): Array<{ id: number; score: number }> {
  const all = ids ?? Array.from({ length: data.length / dim }, (_, i) => i);
  const scored = all.map((id) => {
    const v = row(data, dim, id);
    const score = metric === 'cosine' ? refCosine(q, v) : metric === 'dot' ? refDot(q, v) : -Math.sqrt(refL2sq(q, v));
    return { id, score };
  });
  scored.sort((a, b) => b.score - a.score || a.id - b.id);
  return scored.slice(0, k);
}

async function build(
  data: Float32Array,
  dim: number,
  options: Partial<Parameters<typeof HnswIndex.create>[0]> = {},
  metas?: unknown[],
): Promise<HnswIndex> {
  const index = await HnswIndex.create({ dimension: dim, M: 12, efConstruction: 100, ...options });
  const n = data.length / dim;
  await index.batchInsert(data, keysFor(n), metas);
  return index;
}

/** Everything a caller can observe through a few queries, to compare before and after a failing call. */
function observe(index: HnswIndex, queries: Float32Array, dim: number): unknown {
  const n = queries.length / dim;
  return {
    size: index.size(),
    results: Array.from({ length: n }, (_, i) => index.search(row(queries, dim, i), 5, { ef: 40 })),
  };
}

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

describe('HnswIndex filtered search', async () => {
  const dim = 16;
  const n = 5000;
  const data = clusteredVectors(n, dim, 20, 21);
  const metas = Array.from({ length: n }, (_, i) => ({ group: i % 100, tag: i % 2 === 0 ? 'even' : 'odd' }));
  const index = await build(data, dim, { metric: 'euclidean' }, metas);
  const queries = clusteredVectors(20, dim, 20, 22);

  const cases: Array<[string, (key: string, meta: unknown) => boolean, (i: number) => boolean]> = [
    ['half the entries', (_k, m) => (m as { tag: string }).tag === 'even', (i) => i % 2 === 0],
    ['1% of the entries', (_k, m) => (m as { group: number }).group === 7, (i) => i % 100 === 7],
    ['0.1% of the entries (by key)', (k) => Number(k.slice(1)) % 1000 === 3, (i) => i % 1000 === 3],
  ];
  for (const [name, filter, matches] of cases) {
    it(`returns k matching results for a filter on ${name}, and they are the nearest matches`, () => {
      const ids = Array.from({ length: n }, (_, i) => i).filter(matches);
      const k = Math.min(10, ids.length);
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const query = row(queries, dim, q);
        const got = index.search(query, 10, { filter });
        expect(got).toHaveLength(k);
        for (const r of got) expect(matches(Number(r.key.slice(1)))).toBe(true);
        const want = new Set(refSearch('euclidean', data, dim, query, k, ids).map((r) => r.id));
        for (const r of got) if (want.has(Number(r.key.slice(1)))) hits++;
      }
      expect(hits / (20 * k)).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('returns every match when fewer than k match, and nothing when none do', () => {
    const only = new Set(['k17', 'k4242', 'k999']);
    const got = index.search(row(queries, dim, 0), 10, { filter: (key) => only.has(key) });
    expect(got.map((r) => r.key).sort()).toEqual([...only].sort());
    expect(index.search(row(queries, dim, 0), 10, { filter: () => false })).toEqual([]);
  });

  it('calls the predicate once per live entry with its key and metadata', () => {
    let calls = 0;
    index.search(row(queries, dim, 1), 5, {
      filter: (key, meta) => {
        calls++;
        expect((meta as { group: number }).group).toBe(Number(key.slice(1)) % 100);
        return true;
      },
    });
    expect(calls).toBe(index.size());
  });
});

describe('HnswIndex delete, upsert, get', () => {
  it('deleted entries are never returned, and size counts live entries', async () => {
    const dim = 12;
    const n = 2000;
    const data = clusteredVectors(n, dim, 10, 31);
    const index = await build(data, dim);
    const deleted = new Set<string>();
    for (let i = 0; i < n; i += 3) {
      expect(index.delete(`k${i}`)).toBe(true);
      deleted.add(`k${i}`);
    }
    expect(index.delete('k0')).toBe(false);
    expect(index.delete('nope')).toBe(false);
    expect(index.size()).toBe(n - deleted.size);
    expect(index.has('k0')).toBe(false);
    expect(index.get('k0')).toBeNull();
    expect(index.has('k1')).toBe(true);
    const live = Array.from({ length: n }, (_, i) => i).filter((i) => !deleted.has(`k${i}`));
    let hits = 0;
    for (let i = 0; i < n; i += 50) {
      // Query with a deleted vector itself: it must not come back, its live neighbours must.
      const got = index.search(row(data, dim, i), 10);
      expect(got).toHaveLength(10);
      for (const r of got) expect(deleted.has(r.key)).toBe(false);
      const want = new Set(refSearch('cosine', data, dim, row(data, dim, i), 10, live).map((r) => `k${r.id}`));
      for (const r of got) if (want.has(r.key)) hits++;
    }
    expect(hits / (Math.ceil(n / 50) * 10)).toBeGreaterThanOrEqual(0.9);
    // Deleting everything leaves an empty but working index.
    for (let i = 0; i < n; i++) index.delete(`k${i}`);
    expect(index.size()).toBe(0);
    expect(index.search(row(data, dim, 0), 5)).toEqual([]);
    index.insert('again', row(data, dim, 5));
    expect(index.search(row(data, dim, 5), 5).map((r) => r.key)).toEqual(['again']);
    index.close();
  });

  it('upsert replaces the vector and the metadata; the old vector is gone', async () => {
    const dim = 16;
    const data = randomVectors(1001, dim, 41);
    const index = await build(data.subarray(0, 1000 * dim), dim, { metric: 'euclidean' });
    const before = index.size();
    const oldVec = row(data, dim, 7);
    const newVec = row(data, dim, 1000);
    index.insert('k7', oldVec, { v: 1 });
    expect(index.get('k7')!.metadata).toEqual({ v: 1 });
    index.insert('k7', newVec, { v: 2 });
    expect(index.size()).toBe(before);
    const top = index.search(newVec, 1)[0]!;
    expect(top.key).toBe('k7');
    expect(top.distance).toBeCloseTo(0, 5);
    expect(top.metadata).toEqual({ v: 2 });
    const nearOld = index.search(oldVec, 10, { ef: 200 });
    expect(nearOld.filter((r) => r.key === 'k7').length).toBeLessThanOrEqual(1);
    for (const r of nearOld) expect(r.distance).toBeGreaterThan(1e-3); // the old vector is not there
    expect(Array.from(index.get('k7')!.vector)).toEqual(Array.from(newVec));
    // Upsert without metadata clears it.
    index.insert('k7', newVec);
    expect(index.get('k7')!.metadata).toBeUndefined();
    index.close();
  });

  it('batchInsert upserts too, and a later row wins over an earlier one with the same key', async () => {
    const dim = 8;
    const data = randomVectors(3, dim, 43);
    const index = await HnswIndex.create({ dimension: dim, metric: 'euclidean' });
    await index.batchInsert([
      { key: 'a', vector: row(data, dim, 0), metadata: 1 },
      { key: 'b', vector: row(data, dim, 1), metadata: 2 },
      { key: 'a', vector: row(data, dim, 2), metadata: 3 },
    ]);
    expect(index.size()).toBe(2);
    expect(index.get('a')).toEqual({ vector: row(data, dim, 2), metadata: 3 });
    const got = index.search(row(data, dim, 0), 5);
    expect(got.map((r) => r.key).sort()).toEqual(['a', 'b']);
    index.close();
  });

  it('get returns the original vector (cosine keeps the norm) and frozen JSON metadata', async () => {
    const dim = 24;
    const data = randomVectors(50, dim, 51);
    for (let i = 0; i < dim; i++) data[i]! *= 37.5; // a long vector
    const index = await HnswIndex.create({ dimension: dim });
    const meta = { name: 'x', tags: ['a', 'b'], when: new Date(0), nested: { n: 1, gone: undefined } };
    index.insert('long', row(data, dim, 0), meta);
    index.insert('plain', Array.from(row(data, dim, 1)));
    const got = index.get('long')!;
    got.vector.forEach((x, i) => expect(x).toBeCloseTo(data[i]!, 4));
    expect(got.metadata).toEqual(JSON.parse(JSON.stringify(meta)));
    expect(Object.isFrozen(got.metadata)).toBe(true);
    expect(Object.isFrozen((got.metadata as { tags: string[] }).tags)).toBe(true);
    expect(index.get('plain')!.metadata).toBeUndefined();
    expect(index.get('missing')).toBeNull();
    index.close();
  });

  it('the same seed and inserts build the same index; batchInsert equals insert one by one', async () => {
    const dim = 16;
    const n = 1500;
    const data = clusteredVectors(n, dim, 8, 61);
    const a = await build(data, dim, { seed: 7 });
    const b = await HnswIndex.create({ dimension: dim, M: 12, efConstruction: 100, seed: 7 });
    for (let i = 0; i < n; i++) b.insert(`k${i}`, row(data, dim, i));
    const queries = clusteredVectors(20, dim, 8, 62);
    expect(observe(b, queries, dim)).toEqual(observe(a, queries, dim));
    a.close();
    b.close();
  });
});

describe('HnswIndex renumbers slots for locality without changing answers', () => {
  // Batches of 8192+ rows renumber the graph breadth-first (while they build, and at the end);
  // inserting one row at a time never does. Both must answer identically.
  const dim = 8;
  const n = 9000;
  const data = clusteredVectors(n, dim, 12, 91);
  const queries = clusteredVectors(40, dim, 12, 92);

  /** How many keys `k<i>` no longer sit in slot i (the slot they were appended to). */
  function moved(index: HnswIndex): number {
    const slots = (index as unknown as { core: { slots: { keyToSlot: Map<string, number> } } }).core.slots.keyToSlot;
    let count = 0;
    for (const [key, slot] of slots) if (slot !== Number(key.slice(1))) count++;
    return count;
  }

  it('a renumbered batch build answers exactly like a one-by-one build', async () => {
    const batch = await build(data, dim, { seed: 3 });
    const single = await HnswIndex.create({ dimension: dim, M: 12, efConstruction: 100, seed: 3 });
    for (let i = 0; i < n; i++) single.insert(`k${i}`, row(data, dim, i));
    expect(moved(batch)).toBeGreaterThan(n / 2);
    expect(moved(single)).toBe(0);
    for (let q = 0; q < 40; q++) {
      const query = row(queries, dim, q);
      expect(batch.search(query, 10)).toEqual(single.search(query, 10));
      expect(batch.search(query, 10, { ef: 200 })).toEqual(single.search(query, 10, { ef: 200 }));
    }
    for (const i of [0, 1, 4500, 8999]) expect(batch.get(`k${i}`)).toEqual(single.get(`k${i}`));
    const backend = new MemoryBackend();
    await batch.save('b', { backend });
    const again = await HnswIndex.load('b', { backend });
    expect(observe(again, queries, dim)).toEqual(observe(single, queries, dim));
    batch.close();
    single.close();
    again.close();
  });

  it('an aborted batch that renumbered its own slots rolls back exactly', async () => {
    const index = await build(data.subarray(0, 3000 * dim), dim);
    for (let i = 0; i < 3000; i += 11) index.delete(`k${i}`);
    const before = observe(index, queries, dim);
    const controller = new AbortController();
    // Rows 3000.. plus upserts of live keys: renumbering happens at 8192 slots, the abort after it.
    const keys = keysFor(n, 'k').slice(3000).map((k, i) => (i % 7 === 0 ? `k${i + 1}` : k));
    await expectCodeAsync(
      () => index.batchInsert(data.slice(3000 * dim), keys, undefined, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 5800) controller.abort();
        },
      }),
      'ABORTED',
    );
    expect(observe(index, queries, dim)).toEqual(before);
    // The same batch, not aborted, then gives what a fresh build of the same history gives.
    await index.batchInsert(data.slice(3000 * dim), keys);
    const twin = await build(data.subarray(0, 3000 * dim), dim);
    for (let i = 0; i < 3000; i += 11) twin.delete(`k${i}`);
    await twin.batchInsert(data.slice(3000 * dim), keys);
    expect(observe(index, queries, dim)).toEqual(observe(twin, queries, dim));
    index.close();
    twin.close();
  });
});

describe('HnswIndex snapshots', () => {
  const dim = 20;
  const n = 3000;
  const data = clusteredVectors(n, dim, 15, 71);
  const queries = clusteredVectors(30, dim, 15, 72);
  const metas = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? undefined : { i, s: `välue ${i} ✓` }));

  async function source(): Promise<HnswIndex> {
    const index = await build(data, dim, { metric: 'cosine', efSearch: 33 }, metas);
    for (let i = 0; i < n; i += 7) index.delete(`k${i}`);
    index.insert('k1', row(data, dim, 2), { replaced: true });
    return index;
  }

  it('save then load (fs) answers identically, and inserts after load continue identically', async () => {
    const index = await source();
    const path = join(tempDir(), 'index.hnsw');
    await index.save(path);
    const progress: number[] = [];
    const again = await HnswIndex.load(path, { onProgress: (done, total) => progress.push(done / total) });
    expect(progress.at(-1)).toBe(1);
    expect(again.dimension).toBe(dim);
    expect(again.metric).toBe('cosine');
    expect(again.efSearch).toBe(33);
    expect(again.size()).toBe(index.size());
    const filter = (key: string, meta: unknown) => meta !== undefined && Number(key.slice(1)) % 3 === 0;
    for (let q = 0; q < 30; q++) {
      const query = row(queries, dim, q);
      expect(again.search(query, 10)).toEqual(index.search(query, 10));
      expect(again.search(query, 10, { filter })).toEqual(index.search(query, 10, { filter }));
    }
    expect(again.get('k1')).toEqual(index.get('k1'));
    expect(again.get('k3')).toEqual(index.get('k3'));
    // The RNG state travelled with the file: the same inserts give the same graph.
    const more = clusteredVectors(300, dim, 15, 73);
    for (const target of [index, again]) {
      await target.batchInsert(more, keysFor(300, 'new'));
      target.insert('k2', row(more, dim, 0));
    }
    expect(observe(again, queries, dim)).toEqual(observe(index, queries, dim));
    // Saving over an existing file replaces it atomically, leaving no temporary file behind.
    await again.save(path);
    expect(readdirSync(dirname(path))).toEqual(['index.hnsw']);
    const third = await HnswIndex.load(path);
    expect(observe(third, queries, dim)).toEqual(observe(index, queries, dim));
    index.close();
    again.close();
    third.close();
  });

  it('load reports progress and can be aborted', async () => {
    const index = await source();
    const backend = new MemoryBackend();
    await index.save('p', { backend });
    const controller = new AbortController();
    let calls = 0;
    await expectCodeAsync(
      () => HnswIndex.load('p', {
        backend,
        signal: controller.signal,
        onProgress: () => {
          calls++;
          controller.abort();
        },
      }),
      'ABORTED',
    );
    expect(calls).toBe(1);
    index.close();
  });

  it('round-trips through a MemoryBackend, including an empty index', async () => {
    const backend = new MemoryBackend();
    const empty = await HnswIndex.create({ dimension: 3, metric: 'dot', M: 4 });
    await empty.save('empty', { backend });
    const emptyAgain = await HnswIndex.load('empty', { backend });
    expect(emptyAgain.size()).toBe(0);
    expect(emptyAgain.metric).toBe('dot');
    expect(emptyAgain.M).toBe(4);
    expect(emptyAgain.search([1, 2, 3], 3)).toEqual([]);
    emptyAgain.insert('x', [1, 2, 3]);
    expect(emptyAgain.search([1, 2, 3], 3)[0]!.key).toBe('x');
    const index = await source();
    await index.save('idx', { backend });
    expect(await backend.exists('idx')).toBe(true);
    const again = await HnswIndex.load('idx', { backend });
    expect(observe(again, queries, dim)).toEqual(observe(index, queries, dim));
  });

  describe('a damaged or foreign file is CORRUPT_FILE', async () => {
    const index = await source();
    const backend = new MemoryBackend();
    await index.save('good', { backend });
    const good = backend.getBytes('good');
    const view = new DataView(good.buffer, good.byteOffset, good.byteLength);
    const section = (i: number) => ({ offset: view.getUint32(64 + i * 24, true), length: view.getUint32(64 + i * 24 + 8, true) });

    async function load(bytes: Uint8Array): Promise<HnswIndex> {
      return HnswIndex.load('f', { backend: MemoryBackend.fromBytes('f', bytes) });
    }
    /** Rewrites the CRC-32 of section i (or of the header) after a deliberate change. */
    function fixCrcs(bytes: Uint8Array, i: number): void {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const s = section(i);
      v.setUint32(64 + i * 24 + 16, crc32(bytes.subarray(s.offset, s.offset + s.length)), true);
      v.setUint32(316, crc32(bytes.subarray(0, 316)), true);
    }

    it('the good file loads', async () => {
      expect((await load(good)).size()).toBe(index.size());
    });

    it('zero-length, header-only, and truncated files', async () => {
      await expectCodeAsync(() => load(new Uint8Array(0)), 'CORRUPT_FILE');
      for (const cut of [10, 319, 320, 1000, section(3).offset + 5, good.length - 1]) {
        await expectCodeAsync(() => load(good.slice(0, cut)), 'CORRUPT_FILE');
      }
    });

    it('a flipped bit in the header or in any section', async () => {
      const positions = [0, 20, 40, 52, 70, 100, 300, 316];
      for (let i = 0; i < 9; i++) {
        const s = section(i);
        if (s.length > 0) positions.push(s.offset, s.offset + Math.floor(s.length / 2), s.offset + s.length - 1);
      }
      for (const pos of positions) {
        const bad = good.slice();
        bad[pos]! ^= 0x10;
        await expectCodeAsync(() => load(bad), 'CORRUPT_FILE');
      }
    });

    it('foreign files: another format, text, random bytes', async () => {
      const r = rng(99);
      await expectCodeAsync(() => load(Uint8Array.from({ length: 5000 }, () => Math.floor(r() * 256))), 'CORRUPT_FILE');
      await expectCodeAsync(() => load(new TextEncoder().encode('{"not": "an index"}'.repeat(40))), 'CORRUPT_FILE');
      const otherMagic = good.slice();
      otherMagic.set(new TextEncoder().encode('MEMVECF1'), 0);
      await expectCodeAsync(() => load(otherMagic), 'CORRUPT_FILE');
    });

    it('a newer format version is UNSUPPORTED_VERSION', async () => {
      const newer = good.slice();
      new DataView(newer.buffer).setUint32(8, 2, true);
      fixCrcs(newer, 0);
      await expectCodeAsync(() => load(newer), 'UNSUPPORTED_VERSION');
    });

    it('checksummed but inconsistent contents: the header counts, the graph, the keys', async () => {
      // A huge slot count with matching CRC: rejected against the file size before any allocation.
      const huge = good.slice();
      new DataView(huge.buffer).setUint32(36, 0xfffffff0, true);
      fixCrcs(huge, 0);
      await expectCodeAsync(() => load(huge), 'CORRUPT_FILE');
      // A layer-0 neighbour id past the end: caught by the engine's graph validation.
      const badLink = good.slice();
      const l0 = section(3).offset;
      const v = new DataView(badLink.buffer);
      v.setUint32(l0, 1, true);
      v.setUint32(l0 + 4, 0x7fffffff, true);
      fixCrcs(badLink, 3);
      await expectCodeAsync(() => load(badLink), 'CORRUPT_FILE');
      // A link count larger than the list holds.
      const badCount = good.slice();
      new DataView(badCount.buffer).setUint32(l0, 1000, true);
      fixCrcs(badCount, 3);
      await expectCodeAsync(() => load(badCount), 'CORRUPT_FILE');
      // A NaN vector.
      const nan = good.slice();
      new DataView(nan.buffer).setFloat32(section(0).offset + 8, NaN, true);
      fixCrcs(nan, 0);
      await expectCodeAsync(() => load(nan), 'CORRUPT_FILE');
      // A level above the max level.
      const level = good.slice();
      level[section(2).offset + 1] = 60;
      fixCrcs(level, 2);
      await expectCodeAsync(() => load(level), 'CORRUPT_FILE');
      // A key length running past its section.
      const key = good.slice();
      new DataView(key.buffer).setUint32(section(7).offset, 1 << 30, true);
      fixCrcs(key, 7);
      await expectCodeAsync(() => load(key), 'CORRUPT_FILE');
      // A live slot whose metadata is not JSON.
      const meta = good.slice();
      const ms = section(8).offset;
      const mv = new DataView(meta.buffer);
      let p = ms;
      for (let slot = 0; ; slot++) {
        const len = mv.getUint32(p, true);
        if (len > 0) {
          meta[p + 4] = '}'.charCodeAt(0);
          break;
        }
        p += 4 + len;
      }
      fixCrcs(meta, 8);
      await expectCodeAsync(() => load(meta), 'CORRUPT_FILE');
    });

    it('a file on disk that is not an index', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'x.hnsw'), 'hello');
      await expectCodeAsync(() => HnswIndex.load(join(dir, 'x.hnsw')), 'CORRUPT_FILE');
      await expectCodeAsync(() => HnswIndex.load(join(dir, 'missing.hnsw')), 'IO');
      const path = join(dir, 'y.hnsw');
      await index.save(path);
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, bytes.length - 3));
      await expectCodeAsync(() => HnswIndex.load(path), 'CORRUPT_FILE');
    });
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

describe('HnswIndex errors leave the index unchanged', async () => {
  const dim = 10;
  const n = 1200;
  const data = clusteredVectors(n, dim, 6, 81);
  const queries = clusteredVectors(8, dim, 6, 82);
  const index = await build(data, dim, { metric: 'euclidean' });
  index.delete('k5');
  const baseline = observe(index, queries, dim);
  const good = row(data, dim, 1);

  it('DIMENSION_MISMATCH, INVALID_VECTOR, INVALID_ARGUMENT on single calls', async () => {
    await expectCodeAsync(() => index.insert('new', new Float32Array(dim + 1)), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => index.search(new Float32Array(dim - 1), 3), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => index.insert('new', [...good.slice(0, dim - 1), NaN]), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.insert('new', [...good.slice(0, dim - 1), Infinity]), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.insert('k1', 'not a vector' as unknown as number[]), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.search([...good.slice(0, dim - 1), -Infinity], 3), 'INVALID_VECTOR');
    for (const k of [0, -1, 1.5, NaN, '3']) await expectCodeAsync(() => index.search(good, k as number), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.search(good, 3, { ef: 0 }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.search(good, 3, { minScore: NaN }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.search(good, 3, { filter: 'x' as never }), 'INVALID_ARGUMENT');
    for (const key of ['', 'x'.repeat(5000), 5, null, '\ud800lone']) {
      await expectCodeAsync(() => index.insert(key as string, good), 'INVALID_ARGUMENT');
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const meta of [10n, cyclic, () => 1, Symbol('s')]) {
      await expectCodeAsync(() => index.insert('new', good, meta), 'INVALID_ARGUMENT');
    }
    // A filter that throws propagates its own error and changes nothing.
    expect(() => index.search(good, 3, { filter: () => { throw new Error('boom'); } })).toThrow('boom');
    expect(observe(index, queries, dim)).toEqual(baseline);
    expect(index.has('new')).toBe(false);
  });

  it('a batch with one bad row in the middle inserts nothing', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ key: `b${i}`, vector: row(data, dim, i), metadata: { i } }));
    for (const [field, bad, code] of [
      ['vector', new Float32Array(dim + 2), 'DIMENSION_MISMATCH'],
      ['vector', new Float32Array(dim).fill(NaN), 'INVALID_VECTOR'],
      ['key', '', 'INVALID_ARGUMENT'],
      ['metadata', 10n, 'INVALID_ARGUMENT'],
    ] as const) {
      const batch = rows.map((r) => ({ ...r }));
      (batch[25] as Record<string, unknown>)[field] = bad;
      await expectCodeAsync(() => index.batchInsert(batch), code);
      expect(observe(index, queries, dim)).toEqual(baseline);
    }
    const flat = data.slice(0, 50 * dim);
    flat[25 * dim + 3] = Infinity;
    await expectCodeAsync(() => index.batchInsert(flat, keysFor(50, 'f')), 'INVALID_VECTOR');
    await expectCodeAsync(() => index.batchInsert(data.slice(0, 50 * dim + 1), keysFor(50, 'f')), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => index.batchInsert(data.slice(0, 50 * dim), keysFor(49, 'f')), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.batchInsert(data.slice(0, 50 * dim), keysFor(50, 'f'), [1]), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => index.batchInsert('rows' as never), 'INVALID_ARGUMENT');
    expect(observe(index, queries, dim)).toEqual(baseline);
  });

  it('ABORTED: before the call, and mid-batch (every inserted row is rolled back)', async () => {
    const fresh = clusteredVectors(600, dim, 6, 83);
    await expectCodeAsync(() => index.batchInsert(fresh, keysFor(600, 'a'), undefined, { signal: AbortSignal.abort() }), 'ABORTED');
    expect(observe(index, queries, dim)).toEqual(baseline);
    const controller = new AbortController();
    const seen: number[] = [];
    // Includes upserts of existing keys, whose old slots must come back too.
    const keys = keysFor(600, 'a').map((k, i) => (i % 10 === 0 ? `k${i}` : k));
    await expectCodeAsync(
      () => index.batchInsert(fresh, keys, undefined, {
        signal: controller.signal,
        onProgress: (done) => {
          seen.push(done);
          if (done >= 300) controller.abort();
        },
      }),
      'ABORTED',
    );
    expect(seen.length).toBeGreaterThan(1);
    expect(observe(index, queries, dim)).toEqual(baseline);
    // A timer-driven abort is seen too, because long batches yield to the event loop.
    const big = clusteredVectors(4000, dim, 6, 84);
    const timed = new AbortController();
    setTimeout(() => timed.abort(), 5);
    await expectCodeAsync(() => index.batchInsert(big, keysFor(4000, 't'), undefined, { signal: timed.signal }), 'ABORTED');
    expect(observe(index, queries, dim)).toEqual(baseline);
    // onProgress throwing rolls back the same way.
    await expectCodeAsync(async () => {
      await index.batchInsert(fresh, keysFor(600, 'p'), undefined, {
        onProgress: (done) => {
          if (done > 100) throw new MemvecError('INVALID_ARGUMENT', 'stop');
        },
      });
    }, 'INVALID_ARGUMENT');
    expect(observe(index, queries, dim)).toEqual(baseline);
  });

  it('CAPACITY before growing past the memory limit, and mid-batch, with a full rollback', async () => {
    type Hook = { core: { engine: { setMemoryLimitPages(p: number): void; memoryBytes: number } } };
    const e = (index as unknown as Hook).core.engine;
    const pages = e.memoryBytes / 65536;
    const fresh = clusteredVectors(20_000, dim, 6, 85);
    try {
      e.setMemoryLimitPages(pages);
      await expectCodeAsync(() => index.batchInsert(fresh, keysFor(20_000, 'c')), 'CAPACITY');
      expect(observe(index, queries, dim)).toEqual(baseline);
      e.setMemoryLimitPages(65536);
      // Room for the slots, then the limit drops mid-batch: the undo log or the upper-layer pool
      // cannot grow, and everything done so far is undone.
      await expectCodeAsync(
        () => index.batchInsert(fresh, keysFor(20_000, 'c'), undefined, {
          onProgress: (done) => {
            if (done >= 200) e.setMemoryLimitPages(e.memoryBytes / 65536);
          },
        }),
        'CAPACITY',
      );
      expect(observe(index, queries, dim)).toEqual(baseline);
    } finally {
      e.setMemoryLimitPages(65536);
    }
    // And the index still takes inserts afterwards.
    index.insert('after', good);
    expect(index.get('after')).not.toBeNull();
    index.delete('after');
  });

  it('LOCKED: writes during a batch; reads see the index as it was before the batch', async () => {
    const fresh = clusteredVectors(3000, dim, 6, 86);
    let checked = false;
    const sizeBefore = index.size();
    const run = index.batchInsert(fresh, keysFor(3000, 'l'), undefined, {
      onProgress: (done) => {
        if (checked || done < 1000) return;
        checked = true;
        expect(() => index.insert('x', good)).toThrow(expect.objectContaining({ code: 'LOCKED' }));
        expect(() => index.delete('k1')).toThrow(expect.objectContaining({ code: 'LOCKED' }));
        expect(index.size()).toBe(sizeBefore);
        expect(index.has('l0')).toBe(false);
        const got = index.search(row(fresh, dim, 0), 20, { ef: 100 });
        expect(got.every((r) => r.key.startsWith('k'))).toBe(true);
        expect(got.map((r) => r.key)).toEqual(index.search(row(fresh, dim, 0), 20, { ef: 100, filter: () => true }).map((r) => r.key));
      },
    });
    await expectCodeAsync(() => index.save(join(tempDir(), 'x.hnsw')), 'LOCKED');
    await run;
    expect(checked).toBe(true);
    expect(index.size()).toBe(sizeBefore + 3000);
    for (let i = 0; i < 3000; i++) index.delete(`l${i}`);
  });

  it('bad options for create, save and load', async () => {
    for (const bad of [
      undefined, {}, { dimension: 0 }, { dimension: 65537 }, { dimension: 1.5 }, { dimension: 4, metric: 'manhattan' },
      { dimension: 4, M: 1 }, { dimension: 4, M: 129 }, { dimension: 4, efConstruction: 0 }, { dimension: 4, efSearch: -1 },
      { dimension: 4, seed: -1 },
    ]) {
      await expectCodeAsync(() => HnswIndex.create(bad as never), 'INVALID_ARGUMENT');
    }
    await expectCodeAsync(() => index.save(''), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => HnswIndex.load(42 as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => HnswIndex.load('x', { signal: AbortSignal.abort() }), 'ABORTED');
  });

  it('CLOSED after close, for every method', async () => {
    const small = await build(data.subarray(0, 100 * dim), dim);
    await small[Symbol.asyncDispose]();
    small.close();
    await expectCodeAsync(() => small.insert('a', good), 'CLOSED');
    await expectCodeAsync(() => small.batchInsert([{ key: 'a', vector: good }]), 'CLOSED');
    await expectCodeAsync(() => small.search(good, 1), 'CLOSED');
    await expectCodeAsync(() => small.get('k1'), 'CLOSED');
    await expectCodeAsync(() => small.has('k1'), 'CLOSED');
    await expectCodeAsync(() => small.delete('k1'), 'CLOSED');
    await expectCodeAsync(() => small.size(), 'CLOSED');
    await expectCodeAsync(() => small.save(join(tempDir(), 'c.hnsw')), 'CLOSED');
    // Closing during a batch ends the batch with CLOSED.
    const other = await build(data.subarray(0, 100 * dim), dim);
    await expectCodeAsync(
      () => other.batchInsert(data, keysFor(n, 'z'), undefined, { onProgress: () => other.close() }),
      'CLOSED',
    );
  });

  it('after all of the above the index answers exactly as at the start', () => {
    expect(observe(index, queries, dim)).toEqual(baseline);
  });
});

// Results in one place so a failing comparison prints readable keys.
export type { HnswSearchResult };
