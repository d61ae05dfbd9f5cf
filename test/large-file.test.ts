// Files larger than 32-bit offsets and than the scan buffer: offsets and sizes must never be 32-bit,
// and scanning must keep anonymous memory flat. Sparse files keep both cheap on disk. Run over every
// disk backend of the runtime (mmap and fs in Node and Bun, deno in Deno).
import { openSync, closeSync, ftruncateSync, writeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { bitmapBytes, encodeFlatHeader, layoutOf, VECTORS_OFFSET } from '../src/format/flat-header.js';
import { planRegion, regionEnd } from '../src/flat/region-plan.js';
import { MemMapVector } from '../src/memmap-vector.js';
import { randomVectors } from './support/random.js';
import { diskBackendNames } from './support/backends.js';
import { refCosineTopK } from './support/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'memvec-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Writes a store of `count` vectors where only the rows in `rows` hold data and every other row is a
 * hole (all zeros, which the scan skips), with a valid header and an all-clear bitmap.
 */
function sparseStore(path: string, dim: number, count: number, rows: Map<number, Float32Array>): void {
  const shape = { dimension: dim, precision: 0, segmentRows: 0 };
  const plan = planRegion(count, layoutOf(shape));
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, regionEnd(plan));
    for (const [id, v] of rows) writeSync(fd, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 0, v.byteLength, VECTORS_OFFSET + id * dim * 4);
    const bitmap = new Uint8Array(bitmapBytes(count));
    writeSync(fd, bitmap, 0, bitmap.length, plan.bitmapRegion);
    const header = encodeFlatHeader({ sequence: 1, ...shape, count, deletedCount: 0, ...plan, activeArea: 0, bitmapCrc: crc32(bitmap) });
    writeSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
}

function rssAnonBytes(): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m![1]) * 1024;
}

for (const backend of diskBackendNames()) {
  describe(`large files (${backend} backend)`, () => {
    it('a store past 4 GiB: search, get and append use 64-bit offsets', async () => {
      const dim = 128;
      const rowBytes = dim * 4;
      const count = Math.ceil((4 * 2 ** 30 + 2 ** 20) / rowBytes); // vectors end ~1 MiB past 4 GiB
      const planted = randomVectors(4, dim, 7);
      const ids = [3, count - 3, count - 2, count - 1]; // the last three sit past the 4 GiB mark
      const rows = new Map(ids.map((id, i) => [id, planted.slice(i * dim, (i + 1) * dim)]));
      const path = join(dir, `big-${backend}.mvec`);
      sparseStore(path, dim, count, rows);
      expect(VECTORS_OFFSET + (count - 1) * rowBytes).toBeGreaterThan(2 ** 32);

      await using db = await MemMapVector.open(path, { backend });
      expect(db.getTotalVectors()).toBe(count);
      expect(Array.from(db.getVectorByVectorId(count - 1)!)).toEqual(Array.from(rows.get(count - 1)!));
      const query = planted.subarray(2 * dim, 3 * dim);
      const got = db.cosineSearch(query, { topK: 4, minScore: -1 });
      const want = refCosineTopK(planted, dim, query, 4, -1).map(([i, s]) => [ids[i]!, s]);
      expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
      expect(db.cosineSearchInVectorIds(query, [3, count - 2], { topK: 1, minScore: -1 })[0]![0]).toBe(count - 2);

      const extra = randomVectors(1, dim, 8);
      expect(db.addVectors(extra)).toEqual([count]);
      expect(db.markDeleted([count - 1])).toBe(1);
      expect(Array.from(db.getVectorByVectorId(count)!)).toEqual(Array.from(extra));
      expect(db.getVectorByVectorId(count - 1)).toBeNull();
    });

    it('scanning a file many times larger than the scan buffer keeps anonymous memory flat', async () => {
      const dim = 256;
      const rowBytes = dim * 4;
      const batchSize = 4096; // a 4 MiB scan buffer
      const count = 256 * 1024; // a 256 MiB file: 64 times the buffer
      const path = join(dir, `flat-${backend}.mvec`);
      const planted = randomVectors(2, dim, 9);
      sparseStore(path, dim, count, new Map([[10, planted.slice(0, dim)], [count - 10, planted.slice(dim)]]));
      await using db = await MemMapVector.open(path, { backend });
      const query = planted.subarray(dim);
      db.cosineSearch(query, { batchSize }); // warm up: the scan buffer and the JIT
      const before = rssAnonBytes();
      for (let i = 0; i < 4; i++) expect(db.cosineSearch(query, { batchSize, topK: 1 })[0]![0]).toBe(count - 10);
      const growth = rssAnonBytes() - before;
      console.log(`RssAnon grew ${(growth / 2 ** 20).toFixed(1)} MiB over 4 scans of a ${((count * rowBytes) / 2 ** 20).toFixed(0)} MiB file (${backend})`);
      // Reading the file into anonymous memory would grow it by 256 MiB per scan.
      expect(growth).toBeLessThan(32 * 2 ** 20);
    });
  });
}
