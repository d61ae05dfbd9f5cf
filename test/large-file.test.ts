// Files larger than 32-bit offsets and than the scan buffer: offsets and sizes must never be 32-bit,
// and scanning must keep anonymous memory flat. Sparse files keep both cheap on disk. Run over every
// disk backend of the runtime (mmap and fs in Node and Bun, deno in Deno).
import { openSync, closeSync, ftruncateSync, writeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { F32, I8 } from '../src/engine/element-type.js';
import type { FlatShape } from '../src/flat/flat-file.js';
import { bitmapBytes, encodeFlatHeader, layoutOf, VECTORS_OFFSET } from '../src/format/flat-header.js';
import { chooseSegmentRows } from '../src/format/flat-layout.js';
import { planRegion, regionEnd } from '../src/flat/region-plan.js';
import { MemMapVector } from '../src/memmap-vector.js';
import { randomVectors } from './support/random.js';
import { diskBackendNames } from './support/backends.js';
import { refCosineTopK } from './support/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'memvec-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One planted row: its code (the f32 vector itself in an f32 store) and, in a quantized store, its f32 original. */
interface PlantedRow {
  code: Uint8Array;
  original?: Uint8Array;
}

/**
 * Writes a store of `count` vectors where only the rows in `rows` hold data and every other row is a
 * hole (all zeros: the f32 scan skips it, a quantized scan scores it 0), with a valid header and an
 * all-clear bitmap.
 */
function sparseStore(path: string, shape: FlatShape, count: number, rows: Map<number, PlantedRow>): void {
  const layout = layoutOf(shape);
  const plan = planRegion(count, layout);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, regionEnd(plan));
    for (const [id, row] of rows) {
      writeSync(fd, row.code, 0, row.code.length, layout.codeOffset(id));
      if (row.original) writeSync(fd, row.original, 0, row.original.length, layout.originalOffset(id));
    }
    const bitmap = new Uint8Array(bitmapBytes(count));
    writeSync(fd, bitmap, 0, bitmap.length, plan.bitmapRegion);
    const header = encodeFlatHeader({ sequence: 1, ...shape, count, deletedCount: 0, ...plan, activeArea: 0, bitmapCrc: crc32(bitmap) });
    writeSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
}

const f32Shape = (dim: number): FlatShape => ({ dimension: dim, precision: F32.id, segmentRows: 0 });

/** An f32 row as planted bytes. */
const f32Row = (v: Float32Array): PlantedRow => ({ code: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) });

/**
 * The rows of `vectors` as an i8 store writes them (code and original), taken from a small store that
 * memvec itself wrote with the same shape (`dir`/`name`).
 */
async function i8Rows(vectors: Float32Array, dim: number, name: string): Promise<PlantedRow[]> {
  const path = join(dir, name);
  const small = await MemMapVector.open(path, { dimension: dim, quantization: 'i8' });
  small.addVectors(vectors);
  small.close();
  const bytes = readFileSync(path);
  const layout = layoutOf({ dimension: dim, precision: I8.id, segmentRows: chooseSegmentRows(I8, dim) });
  return Array.from({ length: vectors.length / dim }, (_, i) => ({
    code: bytes.subarray(layout.codeOffset(i), layout.codeOffset(i) + layout.codeBytes),
    original: bytes.subarray(layout.originalOffset(i), layout.originalOffset(i) + layout.rowBytes),
  }));
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
      const path = join(dir, `big-${backend}.mvec`);
      sparseStore(path, f32Shape(dim), count, new Map(ids.map((id, i) => [id, f32Row(planted.slice(i * dim, (i + 1) * dim))])));
      expect(VECTORS_OFFSET + (count - 1) * rowBytes).toBeGreaterThan(2 ** 32);

      await using db = await MemMapVector.open(path, { backend });
      expect(db.getTotalVectors()).toBe(count);
      expect(Array.from(db.getVectorByVectorId(count - 1)!)).toEqual(Array.from(planted.subarray(3 * dim)));
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

    it('an i8 store whose codes run past 4 GiB: the scan, the exact rerank from the originals, get and append', async () => {
      const dim = 128;
      const shape: FlatShape = { dimension: dim, precision: I8.id, segmentRows: chooseSegmentRows(I8, dim) };
      const layout = layoutOf(shape);
      // Segments of [codes][originals]: enough rows that the last codes start past 4 GiB (the file is ~4.3 GiB, sparse).
      const count = layout.maxCount(4 * 2 ** 30 + 64 * 2 ** 20);
      // Four vectors close to one direction, so that they score far above the holes (0) and minScore 0.5 leaves only them.
      const base = randomVectors(1, dim, 17);
      const planted = randomVectors(4, dim, 18).map((x, i) => base[i % dim]! + 0.3 * x);
      const ids = [3, count - 3, count - 2, count - 1];
      const rows = await i8Rows(planted, dim, `i8-rows-${backend}.mvec`);
      const path = join(dir, `big-i8-${backend}.mvec`);
      sparseStore(path, shape, count, new Map(ids.map((id, i) => [id, rows[i]!])));
      expect(layout.codeOffset(count - 3)).toBeGreaterThan(2 ** 32);

      await using db = await MemMapVector.open(path, { backend, quantization: 'i8' });
      expect(db.getTotalVectors()).toBe(count);
      // get() returns the f32 original, read from past the 4 GiB mark.
      expect(Array.from(db.getVectorByVectorId(count - 1)!)).toEqual(Array.from(planted.subarray(3 * dim)));
      const query = planted.subarray(1 * dim, 2 * dim);
      const got = db.cosineSearch(query, { topK: 4, minScore: 0.5 });
      const want = refCosineTopK(planted, dim, query, 4, 0.5).map(([i, s]) => [ids[i]!, s] as const);
      expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
      // Exact scores: the rerank read each candidate's original at its 64-bit offset.
      got.forEach(([, score], i) => expect(score).toBeCloseTo(want[i]![1], 5));
      expect(db.cosineSearchInVectorIds(query, [3, count - 2], { topK: 1, minScore: 0.5 })[0]![0]).toBe(count - 2);

      const extra = randomVectors(1, dim, 19);
      expect(db.addVectors(extra)).toEqual([count]);
      expect(db.markDeleted([count - 3])).toBe(1);
      expect(Array.from(db.getVectorByVectorId(count)!)).toEqual(Array.from(extra));
      expect(db.getVectorByVectorId(count - 3)).toBeNull();
      expect(db.cosineSearch(query, { topK: 4, minScore: 0.5 }).map((r) => r[0])).toEqual(want.map((r) => r[0]).filter((id) => id !== count - 3));
    });

    it('scanning a file many times larger than the scan buffer keeps anonymous memory flat', async () => {
      const dim = 256;
      const rowBytes = dim * 4;
      const batchSize = 4096; // a 4 MiB scan buffer
      const count = 256 * 1024; // a 256 MiB file: 64 times the buffer
      const path = join(dir, `flat-${backend}.mvec`);
      const planted = randomVectors(2, dim, 9);
      sparseStore(path, f32Shape(dim), count, new Map([[10, f32Row(planted.slice(0, dim))], [count - 10, f32Row(planted.slice(dim))]]));
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
