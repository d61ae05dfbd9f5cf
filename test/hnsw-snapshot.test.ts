// HnswIndex.save / HnswIndex.load: identical answers after a round trip (fs and memory backends),
// progress and abort, and every kind of damaged or foreign file refused as CORRUPT_FILE.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { HNSW_FORMAT_VERSION } from '../src/format/hnsw-snapshot.js';
import { HnswIndex } from '../src/hnsw-index.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { expectCodeAsync } from './support/expect-code.js';
import { build, keysFor, observe, tempDirs } from './support/hnsw-fixtures.js';
import { clusteredVectors, rng } from './support/random.js';
import { row } from './support/rows.js';

const tempDir = tempDirs();

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
    // The RNG state travelled with the file: the same inserts give the same graph (on one thread: a
    // batch on several is not the same graph twice).
    const more = clusteredVectors(300, dim, 15, 73);
    for (const target of [index, again]) {
      await target.batchInsert(more, keysFor(300, 'new'), undefined, { threads: 1 });
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
      new DataView(newer.buffer).setUint32(8, HNSW_FORMAT_VERSION + 1, true);
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
