// HnswIndex.changesSince on a persistent index, on one backend (test/change-feed.test.ts runs it on
// every backend of the runtime). The yardstick: a map rebuilt from the first reset plus every later
// batch of changes must equal the index's live entries, exactly (keys, vectors, metadata).
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, type HnswChanges } from '../../src/hnsw-index.js';
import { expectCode, expectCodeAsync } from '../support/expect-code.js';
import { clusteredVectors } from '../support/random.js';
import type { BackendTarget } from '../support/backends.js';

const DIM = 6;
const CONFIG = { dimension: DIM, M: 8, efConstruction: 40, seed: 3, checkpointLogBytes: Infinity };
type Meta = { n: number } | undefined;
type Mirror = Map<string, { vector: number[]; metadata: Meta }>;

function vec(seed: number): Float32Array {
  return clusteredVectors(1, DIM, 1, seed);
}

function liveEntries(index: HnswIndex<Meta>): Mirror {
  const out: Mirror = new Map();
  for (const e of index.entries()) out.set(e.key, { vector: [...e.vector], metadata: e.metadata as Meta });
  return out;
}

/**
 * The feed gives vectors as they were inserted; get() (so entries()) gives cosine's stored unit vector
 * times its norm, which may differ in the last bit: vectors are compared to 1e-6, the rest exactly.
 */
function expectMirrors(mirror: Mirror, index: HnswIndex<Meta>): void {
  const live = liveEntries(index);
  expect([...mirror.keys()].sort()).toEqual([...live.keys()].sort());
  for (const [key, want] of live) {
    const got = mirror.get(key)!;
    expect(got.metadata, key).toEqual(want.metadata);
    got.vector.forEach((x, i) => expect(Math.abs(x - want.vector[i]!), `${key}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(x))));
  }
}

/** What a consumer of the feed does: start from a reset, then apply changes in order. */
function follow(mirror: Mirror, read: HnswChanges<Meta>): Mirror {
  if (read.reset) {
    const next = liveEntries(read.reset);
    read.reset.close();
    return next;
  }
  for (const c of read.changes) {
    if (c.type === 'upsert') mirror.set(c.key, { vector: [...c.vector], metadata: c.metadata });
    else if (c.type === 'delete') mirror.delete(c.key);
    else mirror.get(c.key)!.metadata = c.metadata;
  }
  return mirror;
}

export function changeFeedSuite(target: BackendTarget): void {
  describe(`changesSince on ${target.name}`, () => {
    afterAll(() => target.cleanup());
    const open = async (path: string, readOnly = false) =>
      HnswIndex.open<Meta>(path, { ...CONFIG, ...(readOnly ? { readOnly, dimension: undefined, seed: undefined, M: undefined, efConstruction: undefined } : {}), backend: await target.backend() });

    it('starts with the whole committed state, then gives only the changes committed since, in order', async () => {
      const index = await open(target.path('feed'));
      await index.batchInsert([1, 2, 3, 4].map((i) => ({ key: `k${i}`, vector: vec(i), metadata: { n: i } })));
      let read = await index.changesSince();
      expect(read.reset).toBeDefined();
      expect(read.changes).toEqual([]);
      let mirror = follow(new Map(), read);
      expectMirrors(mirror, index);

      // Nothing new: no changes, the same cursor.
      const again = await index.changesSince(read.cursor);
      expect(again).toEqual({ cursor: read.cursor, changes: [] });

      index.insert('k5', vec(5), { n: 5 });
      index.insert('k1', vec(11), { n: 11 }); // an upsert
      index.delete('k2');
      index.updateMetadata('k3', { n: 33 });
      index.deleteMany(['k4', 'k5']);
      await index.batchInsert([{ key: 'k6', vector: vec(6) }, { key: 'k2', vector: vec(12), metadata: { n: 12 } }]);
      index.updateMetadata('k6', undefined);
      read = await index.changesSince(read.cursor);
      expect(read.reset).toBeUndefined();
      expect(read.changes.map((c) => `${c.type} ${c.key}`)).toEqual([
        'upsert k5', 'upsert k1', 'delete k2', 'metadata k3', 'delete k4', 'delete k5', 'upsert k6', 'upsert k2', 'metadata k6',
      ]);
      mirror = follow(mirror, read);
      expectMirrors(mirror, index);
      index.close();
    });

    it('resets when a checkpoint folded the log, and after compact() replaced the file', async () => {
      const index = await open(target.path('fold'));
      await index.batchInsert([1, 2, 3].map((i) => ({ key: `k${i}`, vector: vec(i), metadata: { n: i } })));
      let read = await index.changesSince();
      let mirror = follow(new Map(), read);
      index.delete('k1');
      index.checkpoint();
      index.insert('k4', vec(4), { n: 4 });
      read = await index.changesSince(read.cursor);
      expect(read.reset).toBeDefined();
      mirror = follow(mirror, read);
      expectMirrors(mirror, index);
      // The reset's cursor continues: only what comes after it.
      index.insert('k5', vec(5), { n: 5 });
      read = await index.changesSince(read.cursor);
      expect(read.changes.map((c) => `${c.type} ${c.key}`)).toEqual(['upsert k5']);
      mirror = follow(mirror, read);

      index.delete('k2');
      await index.compact();
      read = await index.changesSince(read.cursor);
      expect(read.reset).toBeDefined();
      expectMirrors(follow(mirror, read), index);
      index.close();
    });

    it("reads the file, not memory: a reader sees a writer's commits before its own refresh", async () => {
      const path = target.path('reader');
      const writer = await open(path);
      writer.insert('a', vec(1), { n: 1 });
      const reader = await open(path, true);
      const first = await reader.changesSince();
      let mirror = follow(new Map(), first);
      writer.insert('b', vec(2), { n: 2 });
      const read = await reader.changesSince(first.cursor);
      expect(read.changes.map((c) => c.key)).toEqual(['b']);
      mirror = follow(mirror, read);
      expectMirrors(mirror, writer);
      expect(reader.size()).toBe(1);
      reader.close();
      writer.close();
    });

    it("resets on a cursor from another file whose log differs, and refuses a cursor that is not one", async () => {
      const a = await open(target.path('twin-a'));
      const b = await open(target.path('twin-b'));
      const start = await a.changesSince();
      start.reset!.close();
      a.insert('x', vec(1));
      b.insert('y', vec(2));
      const fromA = await a.changesSince(start.cursor);
      expect(fromA.changes.map((c) => c.key)).toEqual(['x']);
      // Same snapshot placement, same log length, another record: the log does not continue.
      const cross = await b.changesSince(fromA.cursor);
      expect(cross.reset).toBeDefined();
      expect([...liveEntries(cross.reset!).keys()]).toEqual(['y']);
      cross.reset!.close();
      for (const bad of ['', 'mvc1.1.2', 'mvc2.0.0.0.0.0.0.0', 'mvc1.a.0.0.0.0.0.0', 42]) {
        await expectCodeAsync(() => a.changesSince(bad as string), 'INVALID_ARGUMENT');
      }
      a.close();
      b.close();
    });

    it('refuses an index that lives in memory', async () => {
      const index = await HnswIndex.create({ dimension: DIM });
      await expectCodeAsync(() => index.changesSince(), 'INVALID_ARGUMENT');
      index.close();
      expectCode(() => index.size(), 'CLOSED');
    });
  });
}
