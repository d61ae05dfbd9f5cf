// HnswIndex delete, upsert and get; determinism (same seed, same index); and slot renumbering for
// locality, which must never change an answer.
import { describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/hnsw-index.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { expectCodeAsync } from './support/expect-code.js';
import { build, keysFor, observe, refSearch } from './support/hnsw-fixtures.js';
import { clusteredVectors, randomVectors } from './support/random.js';
import { row } from './support/rows.js';

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

  it('the same seed and inserts build the same index; batchInsert equals insert one by one (threads: 1)', async () => {
    const dim = 16;
    const n = 1500;
    const data = clusteredVectors(n, dim, 8, 61);
    const a = await build(data, dim, { seed: 7, threads: 1 });
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
    const batch = await build(data, dim, { seed: 3, threads: 1 });
    const single = await HnswIndex.create({ dimension: dim, M: 12, efConstruction: 100, seed: 3, threads: 1 });
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
    // threads: 1: compared with a twin built by the same calls (only the single-threaded build is deterministic).
    const index = await build(data.subarray(0, 3000 * dim), dim, { threads: 1 });
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
    const twin = await build(data.subarray(0, 3000 * dim), dim, { threads: 1 });
    for (let i = 0; i < 3000; i += 11) twin.delete(`k${i}`);
    await twin.batchInsert(data.slice(3000 * dim), keys);
    expect(observe(index, queries, dim)).toEqual(observe(twin, queries, dim));
    index.close();
    twin.close();
  });
});
