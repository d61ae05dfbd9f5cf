// Dual writers (phase 1): writes made while migrate() copies must all reach the index, in order,
// whether they land ahead of the copy's cursor, behind it, or while a batch is being inserted.
import { describe, expect, it } from 'vitest';
import { HnswIndex, MemMapVector } from '../src/index.js';
import { createDualWriter, type KeyedStore, migrate, type MigrationRecord } from '../src/migrate/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { randomVectors, rng } from './support/random.js';

const dim = 32;
let opened = 0;
const memoryStore = () => MemMapVector.open(`dual-${opened++}.mvec`, { dimension: dim, backend: 'memory' });
// Euclidean keeps vectors exactly as given, so the comparisons below are exact.
const newIndex = () => HnswIndex.create({ dimension: dim, metric: 'euclidean', M: 8, efConstruction: 100 });
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** An HnswIndex used as the application's old keyed store. */
function keyedStore(old: HnswIndex): KeyedStore {
  return { upsert: (key, vector, metadata) => old.insert(key, vector, metadata), delete: (key) => old.delete(key) };
}

describe('MemMapDualWriter during migrate', () => {
  it('adds and deletes made ahead of, behind and during the copy all reach the index', async () => {
    const store = await memoryStore();
    store.addVectors(randomVectors(3000, dim, 21));
    const index = await newIndex();
    const keyOf = (id: number) => `row-${id}`;
    const writer = createDualWriter(store, index, { keyOf });
    const random = rng(77);
    const writes: Array<Promise<unknown>> = [];
    let read = 0;
    let fresh = 0;
    const write = () => {
      const pick = (lo: number, hi: number) => lo + Math.floor(random() * Math.max(1, hi - lo));
      // A delete behind the copy's cursor (already copied), one ahead of it, and new rows at the end.
      writes.push(writer.markDeleted(pick(0, read)));
      writes.push(writer.markDeleted(pick(read, store.getTotalVectors())));
      writes.push(writer.addVectors(randomVectors(2, dim, 1000 + fresh++)));
    };
    let copying = true;
    // Writes from elsewhere in the application, on every turn of the event loop, so some land while a
    // batchInsert is running (it yields as it goes) and must wait for it to reach the index.
    const background = (async () => {
      while (copying) {
        write();
        await turn();
      }
    })();
    const summary = await migrate(store, index, {
      batchSize: 300,
      keyOf,
      onProgress: (p) => {
        read = p.read;
        write();
      },
    });
    copying = false;
    await background;
    await Promise.all(writes);
    await writer.detach();

    expect(fresh).toBeGreaterThan(10);
    expect(summary.skippedNewer).toBeGreaterThan(0);
    let live = 0;
    for (let id = 0; id < store.getTotalVectors(); id++) {
      const row = store.getVectorByVectorId(id);
      const entry = index.get(keyOf(id));
      if (row === null) {
        expect(entry, `deleted row ${id}`).toBeNull();
        continue;
      }
      live++;
      expect(entry, `live row ${id}`).not.toBeNull();
      expect(Array.from(entry!.vector)).toEqual(Array.from(row));
    }
    expect(index.size()).toBe(live);
    expect(store.stat().deletedVectors).toBeGreaterThan(10);
    store.close();
    index.close();
  });
});

describe('KeyedDualWriter during migrate from a stale snapshot', () => {
  it('upserts and deletes win over the older values the copy read', async () => {
    const old = await newIndex();
    const n = 1200;
    const data = randomVectors(n, dim, 31);
    for (let i = 0; i < n; i++) old.insert(`k${i}`, data.subarray(i * dim, (i + 1) * dim), { v: 0 });
    // The copy reads what the store held when it started: every later write makes its record stale.
    const snapshot: MigrationRecord[] = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, ...old.get(`k${i}`)! }));
    async function* slowly() {
      for (const r of snapshot) {
        if (Number(r.key.slice(1)) % 50 === 0) await turn();
        yield r;
      }
    }
    const index = await newIndex();
    const writer = createDualWriter(keyedStore(old), index);
    const random = rng(5);
    const writes: Array<Promise<unknown>> = [];
    let version = 0;
    let copying = true;
    const background = (async () => {
      while (copying) {
        const key = `k${Math.floor(random() * (n + 100))}`; // some keys are new
        version++;
        if (random() < 0.25) writes.push(writer.delete(key));
        else writes.push(writer.upsert(key, randomVectors(1, dim, version), { v: version }));
        await turn();
      }
    })();
    const summary = await migrate(slowly(), index, { batchSize: 200 });
    copying = false;
    await background;
    await Promise.all(writes);
    await writer.detach();

    expect(version).toBeGreaterThan(20);
    expect(summary.skippedNewer).toBeGreaterThan(0);
    expect(index.size()).toBe(old.size());
    for (let i = 0; i < n + 100; i++) {
      const want = old.get(`k${i}`);
      const got = index.get(`k${i}`);
      if (want === null) {
        expect(got, `k${i}`).toBeNull();
        continue;
      }
      expect(got, `k${i}`).not.toBeNull();
      expect(got!.metadata, `k${i}`).toEqual(want.metadata);
      expect(Array.from(got!.vector)).toEqual(Array.from(want.vector));
    }
    old.close();
    index.close();
  });
});

describe('dual writers: bad input, failures and detaching', () => {
  it('bad input is a typed error and reaches neither store', async () => {
    const store = await memoryStore();
    const index = await newIndex();
    const writer = createDualWriter(store, index);
    await expectCodeAsync(() => writer.addVectors([[1, 2, 3]]), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => writer.addVectors(randomVectors(2, dim, 1), [{}]), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => writer.addVectors(randomVectors(1, dim, 1), [{ big: 1n }]), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => writer.addVectors(new Float32Array(dim)), 'INVALID_VECTOR'); // the store refuses zeros
    await expectCodeAsync(() => writer.markDeleted(5), 'UNKNOWN_ID');
    expect(store.getTotalVectors() + index.size()).toBe(0);
    await writer.detach();

    const keyed = await newIndex();
    let calls = 0;
    const counting: KeyedStore = { upsert: () => calls++, delete: () => calls++ };
    const kw = createDualWriter(counting, keyed);
    await expectCodeAsync(() => kw.upsert('', randomVectors(1, dim, 2)), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => kw.upsert('a', [1, 2]), 'DIMENSION_MISMATCH');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectCodeAsync(() => kw.upsert('a', randomVectors(1, dim, 2), cyclic), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => kw.delete(3 as never), 'INVALID_ARGUMENT');
    expect(calls).toBe(0);
    expect(keyed.size()).toBe(0);
    await kw.detach();
    store.close();
    index.close();
    keyed.close();
  });

  it('one dual writer per index; a bad old store or index leaves the index free', async () => {
    const index = await newIndex();
    const store = await memoryStore();
    await expectCodeAsync(async () => createDualWriter({ upsert: 1 } as never, index), 'INVALID_ARGUMENT');
    await expectCodeAsync(async () => createDualWriter(store, {} as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(async () => createDualWriter(store, index, { keyOf: 3 as never }), 'INVALID_ARGUMENT');
    const writer = createDualWriter(store, index);
    await expectCodeAsync(async () => createDualWriter(store, index), 'INVALID_ARGUMENT');
    await writer.detach();
    await expectCodeAsync(() => writer.addVectors(randomVectors(1, dim, 3)), 'CLOSED');
    const again = createDualWriter(store, index);
    await again.detach();
    store.close();
    index.close();
  });

  it('a failing old store reaches nothing and the writer goes on', async () => {
    const index = await newIndex();
    let fail = true;
    const flaky: KeyedStore = {
      upsert: async () => {
        if (fail) throw new Error('old store down');
      },
      delete: () => undefined,
    };
    const writer = createDualWriter(flaky, index);
    await expect(writer.upsert('a', randomVectors(1, dim, 4))).rejects.toThrow('old store down');
    expect(index.size()).toBe(0);
    fail = false;
    await writer.upsert('a', randomVectors(1, dim, 4));
    expect(index.has('a')).toBe(true);
    // The failed write was not recorded as newer: a copy of 'b' still lands.
    fail = true;
    await writer.upsert('b', randomVectors(1, dim, 5)).catch(() => undefined);
    await migrate([{ key: 'b', vector: randomVectors(1, dim, 6) }], index);
    expect(index.has('b')).toBe(true);
    await writer.detach();
    index.close();
  });

  it('when the index fails after the old store took a write, the writer stops: CLOSED, naming why', async () => {
    const old = await newIndex();
    const index = await newIndex();
    const writer = createDualWriter(keyedStore(old), index);
    const records = Array.from({ length: 2000 }, (_, i) => ({ key: `r${i}`, vector: randomVectors(1, dim, i) }));
    const copy = migrate(records, index, { batchSize: 2000 }).catch((err: unknown) => err);
    await turn();
    // The batch is running: this write reaches the old store now and waits for the batch to reach the index.
    const pending = writer.upsert('late', randomVectors(1, dim, 9));
    await turn();
    expect(old.has('late')).toBe(true);
    index.close();
    expect(((await copy) as { code: string }).code).toBe('CLOSED');
    await expectCodeAsync(() => pending, 'CLOSED');
    let error: unknown;
    await writer.upsert('next', randomVectors(1, dim, 10)).catch((err: unknown) => (error = err));
    expect((error as { code: string }).code).toBe('CLOSED');
    expect((error as Error).message).toContain('rebuild the index from the old store');
    expect(old.has('next')).toBe(false);
    old.close();
  });

  it('detach waits for the writes made before it, and refuses those after', async () => {
    const store = await memoryStore();
    const index = await newIndex();
    const writer = createDualWriter(store, index);
    const before = [writer.addVectors(randomVectors(3, dim, 50)), writer.markDeleted(0)];
    const detached = writer.detach();
    await expectCodeAsync(() => writer.addVectors(randomVectors(1, dim, 51)), 'CLOSED');
    await detached;
    expect(await Promise.all(before)).toEqual([[0, 1, 2], 1]);
    expect(index.size()).toBe(2);
    expect(store.stat().validVectors).toBe(2);
    store.close();
    index.close();
  });

  it('after detach, migrate no longer skips the keys the writer wrote', async () => {
    const store = await memoryStore();
    const index = await newIndex();
    const writer = createDualWriter(store, index);
    const [id] = await writer.addVectors(randomVectors(1, dim, 40));
    await writer.detach();
    const other = randomVectors(1, dim, 41);
    const summary = await migrate([{ key: String(id), vector: other }], index);
    expect(summary.copied).toBe(1);
    expect(Array.from(index.get(String(id))!.vector)).toEqual(Array.from(other));
    store.close();
    index.close();
  });
});
