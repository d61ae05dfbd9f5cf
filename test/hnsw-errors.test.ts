// HnswIndex errors leave the index unchanged: bad arguments, ABORTED, CAPACITY, LOCKED, CLOSED, and
// bad options, each checked against what a caller could observe before the failing call.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemvecError } from '../src/errors.js';
import { HnswIndex, type HnswSearchResult } from '../src/hnsw-index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { build, keysFor, observe, tempDirs } from './support/hnsw-fixtures.js';
import { clusteredVectors } from './support/random.js';
import { row } from './support/rows.js';

const tempDir = tempDirs();

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
