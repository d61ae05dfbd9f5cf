// migrate(): copying an exact store into an HnswIndex in batches, on real SIFT vectors and seeded data;
// progress, abort (whole batches or nothing), resuming, and bad input.
import { describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { HnswIndex, MemMapVector } from '../src/index.js';
import { migrate, type MigrationProgress, type MigrationRecord } from '../src/migrate/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { randomVectors } from './support/random.js';

let opened = 0;
const memoryStore = (dimension: number) => MemMapVector.open(`migrate-${opened++}.mvec`, { dimension, backend: 'memory' });
const smallIndex = (dimension: number) => HnswIndex.create({ dimension, metric: 'euclidean', M: 8, efConstruction: 32 });

function recordsOf(data: Float32Array, dim: number, prefix = 'k'): MigrationRecord[] {
  return Array.from({ length: data.length / dim }, (_, i) => ({
    key: `${prefix}${i}`,
    vector: data.subarray(i * dim, (i + 1) * dim),
    metadata: { i },
  }));
}

/** Every entry of `index` equals the record with its key, and it holds nothing else. */
function expectHolds(index: HnswIndex, records: MigrationRecord[]): void {
  expect(index.size()).toBe(records.length);
  for (const r of records) {
    const got = index.get(r.key);
    expect(got, r.key).not.toBeNull();
    expect(Array.from(got!.vector)).toEqual(Array.from(r.vector));
    expect(got!.metadata).toEqual(r.metadata);
  }
}

describe('migrate from a MemMapVector', () => {
  it('copies every live SIFT row, keyed by keyOf, in batches, and skips deleted rows', async () => {
    const { base } = loadSiftSmall();
    const store = await memoryStore(base.dim);
    store.addVectors(base.data);
    const deleted = [0, 17, 4999, 9999];
    store.markDeleted(deleted);
    const index = await HnswIndex.create({ dimension: base.dim, metric: 'cosine' });
    const seen: MigrationProgress[] = [];
    const summary = await migrate(store, index, { batchSize: 1500, keyOf: (id) => `sift-${id}`, onProgress: (p) => seen.push(p) });

    expect(summary).toEqual({ read: 9996, copied: 9996, skippedNewer: 0, skippedExisting: 0, batches: 7, total: 9996 });
    expect(seen.map((p) => p.copied)).toEqual([1500, 3000, 4500, 6000, 7500, 9000, 9996]);
    expect(index.size()).toBe(9996);
    for (const id of deleted) expect(index.has(`sift-${id}`)).toBe(false);
    // Cosine stores unit vectors and the norm: equal to the row up to f32 rounding.
    for (const id of [1, 2500, 9998]) {
      const row = base.data.subarray(id * base.dim, (id + 1) * base.dim);
      const got = index.get(`sift-${id}`)!.vector;
      for (let j = 0; j < base.dim; j++) expect(got[j]).toBeCloseTo(row[j]!, 2);
    }
    // The copy answers like the store: the exact nearest row of a stored vector is itself.
    const probe = base.data.subarray(1234 * base.dim, 1235 * base.dim);
    expect(index.search(probe, 1)[0]!.key).toBe('sift-1234');
    store.close();
    index.close();
  });

  it('keys rows by their id as a string by default', async () => {
    const store = await memoryStore(8);
    store.addVectors(randomVectors(30, 8, 5));
    const index = await smallIndex(8);
    await migrate(store, index);
    expect(index.size()).toBe(30);
    expect(index.has('0') && index.has('29')).toBe(true);
    index.close();
    store.close();
  });
});

describe('migrate from iterables', () => {
  const dim = 16;
  const records = recordsOf(randomVectors(250, dim, 11), dim);

  it('copies an array, a sync generator and an async generator alike, with metadata', async () => {
    async function* slowly() {
      for (const r of records) {
        await new Promise((resolve) => setImmediate(resolve));
        yield r;
      }
    }
    function* plain() {
      yield* records;
    }
    for (const source of [records, plain(), slowly()]) {
      const index = await smallIndex(dim);
      const summary = await migrate(source, index, { batchSize: 100 });
      expect(summary).toEqual({ read: 250, copied: 250, skippedNewer: 0, skippedExisting: 0, batches: 3, total: undefined });
      expectHolds(index, records);
      index.close();
    }
  });

  it('later records win over earlier ones with the same key, across batches', async () => {
    const index = await smallIndex(dim);
    const again = { ...records[3]!, key: records[0]!.key };
    await migrate([records[0]!, records[1]!, records[2]!, again], index, { batchSize: 2 });
    expect(index.size()).toBe(3);
    expect(index.get(records[0]!.key)!.metadata).toEqual(records[3]!.metadata);
    index.close();
  });

  it('an abort stops between batches, keeps the whole batches before it, and skipExisting resumes', async () => {
    const index = await smallIndex(dim);
    const controller = new AbortController();
    await expectCodeAsync(() => migrate(records, index, {
      batchSize: 60,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.batches === 2) controller.abort();
      },
    }), 'ABORTED');
    expectHolds(index, records.slice(0, 120));
    const summary = await migrate(records, index, { batchSize: 60, skipExisting: true });
    expect(summary).toMatchObject({ read: 250, copied: 130, skippedExisting: 120 });
    expectHolds(index, records);
    index.close();
  });

  it('an abort during a batch rolls that batch back: the index holds whole batches only', async () => {
    const many = recordsOf(randomVectors(3000, 32, 12), 32);
    const index = await HnswIndex.create({ dimension: 32, metric: 'euclidean', efConstruction: 100 });
    const controller = new AbortController();
    let batches = 0;
    const run = migrate(many, index, {
      batchSize: 1000,
      signal: controller.signal,
      onProgress: (p) => {
        batches = p.batches;
        // A timer fires while the second batchInsert runs (it yields to the event loop as it goes).
        if (p.batches === 1) setTimeout(() => controller.abort(), 0);
      },
    });
    await expectCodeAsync(() => run, 'ABORTED');
    expect(batches).toBe(1);
    expectHolds(index, many.slice(0, 1000));
    index.close();
  });

  it('tells a generator source to clean up when the copy stops', async () => {
    let closed = false;
    function* source() {
      try {
        yield* records;
      } finally {
        closed = true;
      }
    }
    const index = await smallIndex(dim);
    const controller = new AbortController();
    controller.abort();
    await expectCodeAsync(() => migrate(source(), index, { signal: controller.signal }), 'ABORTED');
    expect(index.size()).toBe(0);
    const bad = [...records.slice(0, 10), { key: 'bad', vector: [1, 2] }];
    await expectCodeAsync(() => migrate(function* () {
      try {
        yield* bad;
      } finally {
        closed = true;
      }
    }(), index, { batchSize: 5 }), 'DIMENSION_MISMATCH');
    expect(closed).toBe(true);
    index.close();
  });

  it('an error thrown by onProgress stops the copy with that error', async () => {
    const index = await smallIndex(dim);
    const boom = new Error('stop here');
    await expect(migrate(records, index, { batchSize: 100, onProgress: () => { throw boom; } })).rejects.toBe(boom);
    expect(index.size()).toBe(100);
    index.close();
  });
});

describe('migrate: bad input is a typed MemvecError and changes nothing', () => {
  const dim = 4;
  const good = recordsOf(randomVectors(20, dim, 3), dim);

  it('rejects a bad source, index or option before reading anything', async () => {
    const index = await smallIndex(dim);
    const store = await memoryStore(dim);
    for (const source of [null, 42, 'abc', { length: 3 }]) {
      await expectCodeAsync(() => migrate(source as never, index), 'INVALID_ARGUMENT');
    }
    await expectCodeAsync(() => migrate(good, {} as never), 'INVALID_ARGUMENT');
    for (const batchSize of [0, -1, 1.5, 2 ** 21, '10']) {
      await expectCodeAsync(() => migrate(good, index, { batchSize: batchSize as number }), 'INVALID_ARGUMENT');
    }
    await expectCodeAsync(() => migrate(good, index, null as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => migrate(good, index, { onProgress: 'x' as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => migrate(good, index, { signal: {} as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => migrate(good, index, { skipExisting: 1 as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => migrate(good, index, { keyOf: String }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => migrate(store, index, { keyOf: 'id' as never }), 'INVALID_ARGUMENT');
    expect(index.size()).toBe(0);
    store.close();
    index.close();
  });

  it('a bad record stops the copy at its batch: earlier batches stay, its batch changes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [null, 'INVALID_ARGUMENT'],
      [{ key: '', vector: [1, 2, 3, 4] }, 'INVALID_ARGUMENT'],
      [{ key: 7, vector: [1, 2, 3, 4] }, 'INVALID_ARGUMENT'],
      [{ key: 'x', vector: [1, 2, 3] }, 'DIMENSION_MISMATCH'],
      [{ key: 'x', vector: [1, 2, NaN, 4] }, 'INVALID_VECTOR'],
      [{ key: 'x', vector: 'abcd' }, 'INVALID_VECTOR'],
      [{ key: 'x', vector: [1, 2, 3, 4], metadata: { n: 1n } }, 'INVALID_ARGUMENT'],
    ];
    for (const [bad, code] of cases) {
      const index = await smallIndex(dim);
      const source = [...good.slice(0, 12), bad as MigrationRecord, ...good.slice(12)];
      let error: unknown;
      await migrate(source, index, { batchSize: 5 }).catch((err: unknown) => (error = err));
      expect((error as { code?: string }).code, JSON.stringify(String(bad))).toBe(code);
      expect((error as Error).message).toContain('migrate stopped after copying 10 entries in 2 batches');
      expectHolds(index, good.slice(0, 10));
      index.close();
    }
  });

  it('a MemMapVector whose keyOf gives a bad key, or of another dimension, is refused', async () => {
    const store = await memoryStore(dim);
    store.addVectors(randomVectors(3, dim, 9));
    const index = await smallIndex(dim);
    await expectCodeAsync(() => migrate(store, index, { keyOf: () => '' }), 'INVALID_ARGUMENT');
    const wide = await smallIndex(dim + 1);
    await expectCodeAsync(() => migrate(store, wide), 'DIMENSION_MISMATCH');
    expect(index.size() + wide.size()).toBe(0);
    store.close();
    index.close();
    wide.close();
  });

  it('a closed index is CLOSED', async () => {
    const index = await smallIndex(dim);
    index.close();
    await expectCodeAsync(() => migrate(good, index), 'CLOSED');
  });
});
