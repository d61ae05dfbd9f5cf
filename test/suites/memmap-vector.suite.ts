// The MemMapVector behaviour every backend must show, for each element kind (`quantization`). Called
// once per backend and kind by the runtime's test file.
import { afterAll, describe, expect, it } from 'vitest';
import { elementType, type Quantization } from '../../src/engine/element-type.js';
import { MemvecError } from '../../src/errors.js';
import { FLAT_MAGIC, HEADER_BYTES, layoutOf, SLOT_BYTES } from '../../src/format/flat-header.js';
import { chooseSegmentRows, type RowLayout } from '../../src/format/flat-layout.js';
import { decodeSlot, chooseNewestSlot, readSlots } from '../../src/format/header-slots.js';
import { MemMapVector, type MemMapVectorOptions } from '../../src/memmap-vector.js';
import { crc32 } from '../../src/format/crc32.js';
import type { BackendTarget } from '../support/backends.js';
import { FailingBackend } from '../support/failing-backend.js';
import { wrapBackend, wrapFile } from '../support/wrap-backend.js';
import { expectCode, expectCodeAsync } from '../support/expect-code.js';
import { randomVectors } from '../support/random.js';
import { refCosineTopK } from '../support/reference.js';
import { withDeleted } from '../support/rows.js';
import { createWithSegments } from '../support/small-segments.js';

/** Everything observable about a store, to prove an operation changed nothing. */
function snapshot(db: MemMapVector, queries: Float32Array, dim: number) {
  // File size and the ratios built on it describe layout, not contents: a failed write may leave
  // preallocated space behind, which is not a change to the store.
  const { fileSize: _size, spaceUtilization: _use, reclaimableBytes: _free, ...stat } = db.stat();
  const results = [];
  for (let q = 0; q < queries.length / dim; q++) results.push(db.cosineSearch(queries.subarray(q * dim, (q + 1) * dim), { topK: 5, minScore: -1 }));
  const vectors = Array.from({ length: db.getTotalVectors() }, (_, id) => db.getVectorByVectorId(id));
  return { stat, results, vectors };
}

/** Where a new file of this kind and dimension keeps its rows (what MemMapVector.open creates). */
function layoutFor(quantization: Quantization, dimension: number): RowLayout {
  const type = elementType(quantization);
  return layoutOf({ dimension, precision: type.id, segmentRows: chooseSegmentRows(type, dimension) });
}

export function memMapVectorSuite(target: BackendTarget, quantization: Quantization = 'f32'): void {
  describe(`MemMapVector (${quantization}) on the ${target.name} backend`, () => {
    afterAll(() => target.cleanup());
    // Every store of the suite is created with this kind (and reopening passes it too: it matches).
    const open = async (path: string, options: Omit<MemMapVectorOptions, 'backend'> = {}) =>
      MemMapVector.open(path, { quantization, ...options, backend: await target.backend() });

    it('search is exact: same ids and scores as a JS loop, for every batch size and minScore', async () => {
      const dim = 37;
      const data = randomVectors(1000, dim, 11);
      const queries = randomVectors(5, dim, 12);
      await using db = await open(target.path('exact'), { dimension: dim });
      expect(db.addVectors(data.subarray(0, 600 * dim))).toEqual(Array.from({ length: 600 }, (_, i) => i));
      expect(db.addVectors(data.subarray(600 * dim))[0]).toBe(600);
      for (let q = 0; q < 5; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        for (const [topK, minScore, batchSize] of [[10, 0, undefined], [1, -1, 1], [25, 0.1, 7], [2000, -1, 333]] as const) {
          const got = db.cosineSearch(Array.from(query), { topK, minScore, batchSize });
          const want = refCosineTopK(data, dim, query, topK, minScore);
          expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
          got.forEach((r, i) => expect(r[1]).toBeCloseTo(want[i]![1], 5));
        }
      }
    });

    it(`quantization: the file keeps '${quantization}'; reopening takes it, a different one is INVALID_ARGUMENT naming what the file holds`, async () => {
      const dim = 20;
      const path = target.path('kind');
      const data = randomVectors(30, dim, 5);
      {
        await using db = await open(path, { dimension: dim });
        expect(db.quantization).toBe(quantization);
        db.addVectors(data);
        const layout = layoutFor(quantization, dim);
        expect(db.stat()).toMatchObject({ quantization, bytesPerVector: layout.bytesPerVector });
        // f32: 4·d; f16: 2·d + 4·d; i8: 16 + d + 4·d (the code and the f32 original).
        expect(db.stat().bytesPerVector).toBe({ f32: 4 * dim, f16: 6 * dim, i8: 16 + 5 * dim }[quantization]);
      }
      for (const readOnly of [false, true]) {
        // Without the option, and with the same value: the file's kind.
        for (const options of [{}, { quantization }]) {
          await using db = await MemMapVector.open(path, { ...options, readOnly, backend: await target.backend() });
          expect(db.quantization).toBe(quantization);
          expect(db.getVectorByVectorId(29)).toEqual(data.subarray(29 * dim, 30 * dim));
        }
        for (const other of (['f32', 'f16', 'i8'] as const).filter((q) => q !== quantization)) {
          const err = await MemMapVector.open(path, { quantization: other, readOnly, backend: await target.backend() }).catch((e: unknown) => e);
          expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
          expect(String((err as Error).message)).toContain(`holds ${quantization} vectors, not ${other}`);
        }
      }
      for (const bad of ['f64', 'I8', 8, null]) {
        await expectCodeAsync(() => open(target.path('bad-kind'), { dimension: dim, quantization: bad as never }), 'INVALID_ARGUMENT');
      }
      for (const bad of [0, -1, 1.5, '2', 1001]) {
        await expectCodeAsync(() => open(target.path('bad-rerank'), { dimension: dim, rerank: bad as never }), 'INVALID_ARGUMENT');
      }
      await using db = await open(path);
      for (const bad of [0, 2.5, Number.NaN]) expectCode(() => db.cosineSearch(data.subarray(0, dim), { rerank: bad }), 'INVALID_ARGUMENT');

      // Format 1 (f32, as every earlier build wrote it) or format 2 (f16, i8): a build that reads only
      // format 1 (this decoder, as it was) refuses a quantized file as a newer format, not as damage.
      const backend = await target.backend();
      const file = await backend.open(path, { readOnly: true });
      const oldKind = { magic: FLAT_MAGIC, version: 1, description: 'a memvec vector file' };
      const slots = readSlots(file, (bytes) => decodeSlot(oldKind, bytes, () => ({ sequence: 1 })));
      const version = new DataView((() => {
        const b = new Uint8Array(HEADER_BYTES);
        file.read(0, b);
        return b.buffer;
      })()).getUint32(8, true);
      file.close();
      expect(version).toBe(quantization === 'f32' ? 1 : 2);
      if (quantization === 'f32') expect(chooseNewestSlot(oldKind, slots, path).header.sequence).toBe(1);
      else expectCode(() => chooseNewestSlot(oldKind, slots, path), 'UNSUPPORTED_VERSION');
    });

    it('scores are exact: the f32 store\'s scores for the same vectors, best first, ties to the lower id, minScore on exact scores', async () => {
      const dim = 48;
      const n = 1500;
      const data = randomVectors(n, dim, 15);
      // Duplicates: equal exact scores, which must come back lower id first.
      data.copyWithin(700 * dim, 3 * dim, 4 * dim);
      data.copyWithin(701 * dim, 3 * dim, 4 * dim);
      const queries = randomVectors(6, dim, 16);
      await using db = await open(target.path('exact-scores'), { dimension: dim });
      await using f32 = await MemMapVector.open(target.path('exact-scores-f32'), { dimension: dim, backend: await target.backend() });
      // The same store in segments of 8 rows: scans, reads and the rescoring cross segments every 8 ids.
      const smallPath = target.path('exact-scores-small');
      if (quantization !== 'f32') await createWithSegments(await target.backend(), smallPath, dim, quantization, 8);
      await using small = await open(smallPath, { dimension: dim });
      for (const store of [db, f32, small]) {
        store.addVectors(data.subarray(0, 333 * dim));
        store.addVectors(data.subarray(333 * dim));
        store.markDeleted([10, 20, 21, 22, 23, 24, 25, 26, 27]);
      }
      for (let q = 0; q < 7; q++) {
        const query = q < 6 ? queries.subarray(q * dim, (q + 1) * dim) : data.subarray(3 * dim, 4 * dim);
        for (const options of [{ topK: 10 }, { topK: 3, minScore: 0.3 }, { topK: 50, minScore: -1, batchSize: 7 }]) {
          const want = f32.cosineSearch(query, options);
          // A rerank that keeps every row makes the candidate scan irrelevant: the results are the f32 store's.
          expect(db.cosineSearch(query, { ...options, rerank: 1000 })).toEqual(want);
          expect(small.cosineSearch(query, { ...options, rerank: 1000 })).toEqual(want);
          expect(small.cosineSearch(query, options)).toEqual(db.cosineSearch(query, options));
          // The default keeps scores exact too (they are the f32 scan's), and here finds the same rows.
          const got = db.cosineSearch(query, options);
          for (const [id, score] of got) expect(score).toBe(want.find(([w]) => w === id)?.[1]);
          expect(got.map(([id]) => id)).toEqual(want.map(([id]) => id));
          const ids = Array.from({ length: 400 }, (_, i) => i * 3);
          expect(db.cosineSearchInVectorIds(query, ids, { ...options, rerank: 1000 })).toEqual(f32.cosineSearchInVectorIds(query, ids, options));
          expect(small.cosineSearchInVectorIds(query, ids, { ...options, rerank: 1000 })).toEqual(f32.cosineSearchInVectorIds(query, ids, options));
        }
      }
      expect(Array.from({ length: n }, (_, id) => small.getVectorByVectorId(id))).toEqual(Array.from({ length: n }, (_, id) => f32.getVectorByVectorId(id)));
      // Compaction keeps the kind and the layout, and maps ids as for f32.
      expect(await small.compact()).toEqual(await f32.compact());
      expect(small.quantization).toBe(quantization);
      const query = queries.subarray(0, dim);
      expect(small.cosineSearch(query, { topK: 20, rerank: 1000 })).toEqual(f32.cosineSearch(query, { topK: 20 }));
      expect(Array.from({ length: f32.getTotalVectors() }, (_, id) => small.getVectorByVectorId(id))).toEqual(
        Array.from({ length: f32.getTotalVectors() }, (_, id) => f32.getVectorByVectorId(id)),
      );
      expect(db.cosineSearch(data.subarray(3 * dim, 4 * dim), { topK: 3 }).map(([id]) => id)).toEqual([3, 700, 701]);
    });

    it('adds flat arrays, arrays of vectors and vector lists, and gets them back as added', async () => {
      const dim = 4;
      await using db = await open(target.path('add'), { dimension: dim });
      expect(db.addVectors([[1, 2, 3, 4], [5, 6, 7, 8]])).toEqual([0, 1]);
      expect(db.addVectorList([new Float32Array([0.5, 0, 0, 0]), [0, 0, 0, -2]])).toEqual([2, 3]);
      expect(db.addVectors(new Float32Array([9, 9, 9, 9]))).toEqual([4]);
      expect(db.addVectors([])).toEqual([]);
      expect(Array.from(db.getVectorByVectorId(1)!)).toEqual([5, 6, 7, 8]);
      expect(Array.from(db.getVectorByVectorId(3)!)).toEqual([0, 0, 0, -2]);
      expect(db.getVectorByVectorId(5)).toBeNull();
      expect(db.getVectorByVectorId(-1)).toBeNull();
      expect(db.getTotalVectors()).toBe(5);
    });

    it('markDeleted hides vectors, zero-fills them, and counts only new marks', async () => {
      const dim = 16;
      const data = randomVectors(200, dim, 21);
      const path = target.path('delete');
      const db = await open(path, { dimension: dim });
      db.addVectors(data);
      expect(db.markDeleted([3, 5, 5, 199])).toBe(3);
      expect(db.markDeleted(5)).toBe(0);
      expect(db.markDeleted(new Uint32Array([5, 6]))).toBe(1);
      expect(db.getVectorByVectorId(5)).toBeNull();
      const deleted = [3, 5, 6, 199];
      const query = data.subarray(5 * dim, 6 * dim);
      const got = db.cosineSearch(query, { topK: 300, minScore: -1 });
      expect(got.length).toBe(196);
      expect(got.map((r) => r[0])).toEqual(refCosineTopK(withDeleted(data, dim, deleted), dim, query, 300, -1).map((r) => r[0]));
      const stat = db.stat();
      expect(stat).toMatchObject({ totalVectors: 200, validVectors: 196, deletedVectors: 4, deletedIds: deleted });
      expect(stat.spaceUtilization).toBeGreaterThan(0);
      expect(stat.spaceUtilization).toBeLessThanOrEqual(1);
      db.close();
      // The rows on disk are zeros now: the f32 original, and the code of a quantized store.
      const backend = await target.backend();
      const file = await backend.open(path, { readOnly: true });
      const layout = layoutFor(quantization, dim);
      const row = new Uint8Array(layout.rowBytes);
      const code = new Uint8Array(layout.codeBytes);
      file.read(layout.originalOffset(5), row);
      file.read(layout.codeOffset(5), code);
      file.close();
      expect(Array.from(row)).toEqual(new Array(row.length).fill(0));
      expect(Array.from(code)).toEqual(new Array(code.length).fill(0));
      if (quantization === 'f32') expect(layout.originalOffset(5)).toBe(8192 + 5 * dim * 4); // the format-1 layout, unchanged
    });

    it('compact drops deleted vectors, returns the id map, and search agrees before and after', async () => {
      const dim = 24;
      const data = randomVectors(500, dim, 31);
      const path = target.path('compact');
      const db = await open(path, { dimension: dim });
      db.addVectors(data);
      const deleted = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 3 === 0 || i > 480);
      db.markDeleted(deleted);
      const query = data.subarray(10 * dim, 11 * dim);
      const before = db.cosineSearch(query, { topK: 50 });
      const sizeBefore = db.stat().fileSize;
      const progress: number[] = [];
      const map = await db.compact({ onProgress: (done) => progress.push(done) });
      expect(progress.at(-1)).toBe(500);
      const kept = Array.from({ length: 500 }, (_, i) => i).filter((i) => !deleted.includes(i));
      expect(map).toEqual(kept.map((old, i) => [old, i]));
      const oldOf = new Map(map.map(([o, n]) => [n, o]));
      const after = db.cosineSearch(query, { topK: 50 });
      expect(after.map(([id]) => oldOf.get(id))).toEqual(before.map(([id]) => id));
      after.forEach((r, i) => expect(r[1]).toBeCloseTo(before[i]![1], 6));
      expect(db.stat()).toMatchObject({ totalVectors: kept.length, deletedVectors: 0, deletedIds: [], reclaimableBytes: 0 });
      expect(db.stat().fileSize).toBeLessThan(sizeBefore);
      expect(Array.from(db.getVectorByVectorId(map[7]![1])!)).toEqual(Array.from(data.subarray(map[7]![0] * dim, (map[7]![0] + 1) * dim)));
      // Appends after a compaction get the next ids and are not "deleted" by stale bits.
      expect(db.addVectors(data.subarray(0, 2 * dim))).toEqual([kept.length, kept.length + 1]);
      expect(db.getVectorByVectorId(kept.length)).not.toBeNull();
      db.close();
      await using again = await open(path);
      expect(again.getTotalVectors()).toBe(kept.length + 2);
      expect(await again.compact()).toEqual(Array.from({ length: kept.length + 2 }, (_, i) => [i, i]));
    });

    it('compact sees an AbortSignal.timeout between chunks: ABORTED midway, the store unchanged', async () => {
      // 1 KiB rows: compact copies 8 MiB (8192 rows) per chunk, so this file is three chunks.
      const dim = 256;
      const rows = 3 * 8192;
      const db = await open(target.path('compact-timeout'), { dimension: dim });
      db.addVectors(randomVectors(rows, dim, 61));
      db.markDeleted([0, rows - 1]);
      const query = randomVectors(1, dim, 62);
      const before = { stat: db.stat(), results: db.cosineSearch(query, { topK: 5 }) };
      const signal = AbortSignal.timeout(200);
      const progress: number[] = [];
      const outlastTheTimer = (): void => {
        // Past the timeout inside the first chunk: only a turn of the event loop (a macrotask) lets the
        // timer fire and abort the signal; a microtask would let compact run to its end.
        const until = Date.now() + 300;
        while (Date.now() < until);
      };
      await expectCodeAsync(() => db.compact({
        signal,
        onProgress: (done) => {
          if (progress.push(done) === 1) outlastTheTimer();
        },
      }), 'ABORTED');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.at(-1)).toBeLessThan(rows);
      expect({ stat: db.stat(), results: db.cosineSearch(query, { topK: 5 }) }).toEqual(before);
      db.close();
    });

    it('searches within a set of ids, skipping deleted ones', async () => {
      const dim = 9;
      const data = randomVectors(300, dim, 41);
      await using db = await open(target.path('inids'), { dimension: dim });
      db.addVectors(data);
      db.markDeleted([10, 11]);
      const ids = [5, 10, 11, 12, 13, 14, 100, 101, 299, 13, 250];
      const query = data.subarray(0, dim);
      for (const batchSize of [undefined, 1, 3]) {
        const got = db.cosineSearchInVectorIds(query, ids, { topK: 4, minScore: -1, batchSize });
        const want = refCosineTopK(withDeleted(data, dim, [10, 11]), dim, query, 4, -1, [...new Set(ids)]);
        expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
      }
      expect(db.cosineSearchInVectorIds(query, [], { topK: 4 })).toEqual([]);
    });

    it('reopens from storage with the same contents and results', async () => {
      const dim = 64;
      const data = randomVectors(400, dim, 51);
      const path = target.path('reopen');
      const query = data.subarray(dim, 2 * dim);
      let before;
      {
        await using db = await open(path, { dimension: dim });
        for (let i = 0; i < 400; i += 50) db.addVectors(data.subarray(i * dim, (i + 50) * dim));
        db.markDeleted([1, 2, 3]);
        before = db.cosineSearch(query, { topK: 20 });
      }
      await using db = await open(path, { dimension: dim });
      expect(db.cosineSearch(query, { topK: 20 })).toEqual(before);
      expect(db.stat().deletedIds).toEqual([1, 2, 3]);
      await using reader = await open(path, { readOnly: true });
      expect(reader.cosineSearch(query, { topK: 20 })).toEqual(before);
      expectCode(() => reader.addVectors(data.subarray(0, dim)), 'READ_ONLY');
      expectCode(() => reader.markDeleted(4), 'READ_ONLY');
      await expectCodeAsync(() => reader.compact(), 'READ_ONLY');
    });

    it('grows through many small commits (bitmap moves) and stays consistent', async () => {
      const dim = 128;
      const data = randomVectors(700, dim, 61);
      const path = target.path('grow');
      {
        await using db = await open(path, { dimension: dim });
        for (let i = 0; i < 700; i++) {
          db.addVectors(data.subarray(i * dim, (i + 1) * dim));
          if (i % 97 === 0) db.markDeleted(i);
        }
      }
      await using db = await open(path);
      const deleted = Array.from({ length: 700 }, (_, i) => i).filter((i) => i % 97 === 0);
      expect(db.stat()).toMatchObject({ totalVectors: 700, deletedIds: deleted });
      const query = data.subarray(0, dim);
      expect(db.cosineSearch(query, { topK: 10 }).map((r) => r[0])).toEqual(
        refCosineTopK(withDeleted(data, dim, deleted), dim, query, 10).map((r) => r[0]),
      );
    });

    it('bad input throws a typed error and changes nothing', async () => {
      const dim = 8;
      const data = randomVectors(50, dim, 71);
      const queries = randomVectors(3, dim, 72);
      const path = target.path('errors');
      await using db = await open(path, { dimension: dim });
      db.addVectors(data);
      db.markDeleted([4]);
      const before = snapshot(db, queries, dim);
      const q = Array.from(queries.subarray(0, dim));
      const bad = Array.from(data.subarray(0, 2 * dim));
      bad[dim + 3] = Number.NaN;

      expectCode(() => db.addVectors([[1, 2, 3]]), 'DIMENSION_MISMATCH');
      expectCode(() => db.addVectors(new Float32Array(dim + 1)), 'DIMENSION_MISMATCH');
      expectCode(() => db.addVectors(new Float32Array(bad)), 'INVALID_VECTOR');
      expectCode(() => db.addVectors([Array.from(data.subarray(0, dim)), [...q.slice(0, -1), Infinity]]), 'INVALID_VECTOR');
      expectCode(() => db.addVectors([new Array(dim).fill(0)]), 'INVALID_VECTOR');
      expectCode(() => db.addVectors('nope' as never), 'INVALID_VECTOR');
      expectCode(() => db.addVectorList([[1, 2]]), 'DIMENSION_MISMATCH');
      expectCode(() => db.cosineSearch([1, 2]), 'DIMENSION_MISMATCH');
      expectCode(() => db.cosineSearch([...q.slice(0, -1), Number.NaN]), 'INVALID_VECTOR');
      expectCode(() => db.cosineSearch(new Array(dim).fill(0)), 'INVALID_VECTOR');
      for (const topK of [0, -1, 1.5, Number.NaN]) expectCode(() => db.cosineSearch(q, { topK }), 'INVALID_ARGUMENT');
      expectCode(() => db.cosineSearch(q, { minScore: Number.NaN }), 'INVALID_ARGUMENT');
      expectCode(() => db.cosineSearch(q, { batchSize: 0 }), 'INVALID_ARGUMENT');
      expectCode(() => db.markDeleted([1, 50]), 'UNKNOWN_ID');
      expectCode(() => db.markDeleted([-1]), 'UNKNOWN_ID');
      expectCode(() => db.markDeleted([0.5]), 'INVALID_ARGUMENT');
      expectCode(() => db.cosineSearchInVectorIds(q, [1, 1000]), 'UNKNOWN_ID');
      expectCode(() => db.getVectorByVectorId('1' as never), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => open(path, { dimension: dim + 1, readOnly: true }), 'DIMENSION_MISMATCH');
      await expectCodeAsync(() => open(path), 'LOCKED');
      await expectCodeAsync(() => open(target.path('bad-dim'), { dimension: 0 }), 'INVALID_ARGUMENT');
      const aborted = AbortSignal.abort();
      await expectCodeAsync(() => db.compact({ signal: aborted }), 'ABORTED');

      expect(snapshot(db, queries, dim)).toEqual(before);
    });

    it('one writer per file: a second writer gets LOCKED until the first closes; readers are welcome', async () => {
      const path = target.path('lock');
      const writer = await open(path, { dimension: 3 });
      writer.addVectors([[1, 2, 3]]);
      await expectCodeAsync(() => open(path), 'LOCKED');
      const reader = await open(path, { readOnly: true });
      expect(reader.getTotalVectors()).toBe(1);
      writer.addVectors([[4, 5, 6]]);
      reader.close();
      writer.close();
      await using again = await open(path);
      expect(again.getTotalVectors()).toBe(2);
    });

    it('an existing file opens with its own dimension when none is given; 512 is only the default for a new file', async () => {
      const path = target.path('dim-from-file');
      const created = await open(path, { dimension: 7 });
      created.addVectors([[1, 2, 3, 4, 5, 6, 7]]);
      created.close();
      const reopened = await open(path);
      expect(reopened.dimension).toBe(7);
      expect(reopened.getVectorByVectorId(0)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7]));
      reopened.close();
      const reader = await open(path, { readOnly: true });
      expect(reader.dimension).toBe(7);
      reader.close();
      await expectCodeAsync(() => open(path, { dimension: 512 }), 'DIMENSION_MISMATCH');
      const fresh = await open(target.path('dim-default'));
      expect(fresh.dimension).toBe(512);
      fresh.close();
    });

    it('db.backend names the backend the store uses', async () => {
      const db = await open(target.path('backend-name'), { dimension: 3 });
      expect(db.backend).toBe(target.name);
      db.close();
    });

    it('Symbol.dispose and Symbol.asyncDispose close the store and release its file', async () => {
      const path = target.path('dispose');
      for (const dispose of [(x: MemMapVector) => x[Symbol.dispose](), (x: MemMapVector) => x[Symbol.asyncDispose]()] as const) {
        const db = await open(path, { dimension: 3 });
        db.addVectors([[1, 2, 3]]);
        await dispose(db);
        expectCode(() => db.getTotalVectors(), 'CLOSED');
        (await open(path)).close();
      }
      {
        // What `using` (as tsc emits it for Node 20) does at the end of the block.
        using db = await open(path);
        expect(db.getTotalVectors()).toBe(2);
      }
      (await open(path)).close();
    });

    it('a closed store throws CLOSED from every method', async () => {
      const db = await open(target.path('closed'), { dimension: 3 });
      db.addVectors([[1, 2, 3]]);
      db.close();
      db.close();
      for (const call of [
        () => db.addVectors([[1, 2, 3]]),
        () => db.addVectorList([[1, 2, 3]]),
        () => db.markDeleted(0),
        () => db.cosineSearch([1, 2, 3]),
        () => db.cosineSearchInVectorIds([1, 2, 3], [0]),
        () => db.getVectorByVectorId(0),
        () => db.getTotalVectors(),
        () => db.stat(),
      ]) {
        expectCode(call, 'CLOSED');
      }
      await expectCodeAsync(() => db.compact(), 'CLOSED');
    });

    it('corrupt, foreign, truncated and newer-version files give typed errors', async () => {
      const dim = 8;
      const backend = await target.backend();
      const path = target.path('corrupt');
      {
        await using db = await open(path, { dimension: dim });
        db.addVectors(randomVectors(100, dim, 81));
        db.markDeleted([1, 2]);
      }
      const file = await backend.open(path, { readOnly: true });
      const good = new Uint8Array(file.size());
      file.read(0, good);
      file.close();

      const variants: Array<[string, Uint8Array, string]> = [];
      variants.push(['zero-length', new Uint8Array(0), 'CORRUPT_FILE']);
      variants.push(['random bytes', randomBytes(good.length, 82), 'CORRUPT_FILE']);
      variants.push(['truncated inside the header', good.slice(0, 100), 'CORRUPT_FILE']);
      variants.push(['truncated inside the vectors', good.slice(0, layoutFor(quantization, dim).vectorsEnd(50)), 'CORRUPT_FILE']);
      variants.push(['truncated before the bitmap', good.slice(0, good.length - 200), 'CORRUPT_FILE']);
      const zeroedHeaders = good.slice();
      zeroedHeaders.fill(0, 0, 2 * SLOT_BYTES);
      variants.push(['zeroed headers', zeroedHeaders, 'CORRUPT_FILE']);
      // Flip a byte in both header slots: both checksums fail.
      for (const at of [8, 24, 48, 64, 72, 84, 120]) {
        const flipped = good.slice();
        flipped[at]! ^= 0x10;
        flipped[SLOT_BYTES + at]! ^= 0x10;
        variants.push([`header byte ${at} flipped in both slots`, flipped, 'CORRUPT_FILE']);
      }
      // Counts that point past the end, with a valid checksum, in the newest slot.
      variants.push(['count past the end', rewriteHeader(good, (v) => v.setBigUint64(48, 1n << 40n, true)), 'CORRUPT_FILE']);
      variants.push(['bitmap past the end', rewriteHeader(good, (v) => v.setBigUint64(64, 1n << 50n, true)), 'CORRUPT_FILE']);
      variants.push(['dimension zero', rewriteHeader(good, (v) => v.setUint32(24, 0, true)), 'CORRUPT_FILE']);
      variants.push(['huge dimension', rewriteHeader(good, (v) => v.setUint32(24, 0xffffffff, true)), 'CORRUPT_FILE']);
      variants.push(['deleted count lies', rewriteHeader(good, (v) => v.setBigUint64(56, 5n, true)), 'CORRUPT_FILE']);
      variants.push(['version 3', rewriteHeader(good, (v) => v.setUint32(8, 3, true)), 'UNSUPPORTED_VERSION']);
      // Format 1 holds f32 only, format 2 f16 or i8 in segments of a power of two rows.
      if (quantization === 'f32') {
        variants.push(['format 1 claiming i8', rewriteHeader(good, (v) => v.setUint32(32, 2, true)), 'CORRUPT_FILE']);
        variants.push(['format 1 with segments', rewriteHeader(good, (v) => v.setUint32(88, 256, true)), 'CORRUPT_FILE']);
      } else {
        variants.push(['format 2 claiming f32', rewriteHeader(good, (v) => v.setUint32(32, 0, true)), 'CORRUPT_FILE']);
        variants.push(['format 2 as format 1', rewriteHeader(good, (v) => v.setUint32(8, 1, true)), 'CORRUPT_FILE']);
        variants.push(['precision 3', rewriteHeader(good, (v) => v.setUint32(32, 3, true)), 'CORRUPT_FILE']);
        variants.push(['segment of 3 rows', rewriteHeader(good, (v) => v.setUint32(88, 3, true)), 'CORRUPT_FILE']);
        variants.push(['segment of 0 rows', rewriteHeader(good, (v) => v.setUint32(88, 0, true)), 'CORRUPT_FILE']);
      }
      // A flipped bit in the committed bitmap.
      const bitmapFlip = good.slice();
      const h = new DataView(bitmapFlip.buffer, newestSlot(good) * SLOT_BYTES);
      const active = Number(h.getBigUint64(64, true)) + h.getUint32(80, true) * Number(h.getBigUint64(72, true));
      bitmapFlip[active]! ^= 0x80;
      variants.push(['bitmap bit flipped', bitmapFlip, 'CORRUPT_FILE']);

      for (const [name, bytes, code] of variants) {
        const p = target.path(`corrupt-${name.replace(/\W+/g, '-')}`);
        const f = await backend.open(p, { create: true });
        f.write(0, bytes);
        f.close();
        await expectCodeAsync(() => open(p), code).catch((err) => {
          throw new Error(`${name}: ${String(err)}`);
        });
      }
    });

    it('a torn newest header falls back to the previous commit', async () => {
      const dim = 8;
      const backend = await target.backend();
      const path = target.path('torn');
      const data = randomVectors(20, dim, 91);
      {
        await using db = await open(path, { dimension: dim });
        db.addVectors(data.subarray(0, 10 * dim));
        db.addVectors(data.subarray(10 * dim));
      }
      const file = await backend.open(path);
      const bytes = new Uint8Array(file.size());
      file.read(0, bytes);
      const slot = newestSlot(bytes);
      file.write(slot * SLOT_BYTES + 40, new Uint8Array(20).fill(0xab)); // a write torn half way
      file.close();
      await using db = await open(path);
      expect(db.getTotalVectors()).toBe(10);
    });

    it('refresh(): a reader picks up appends, deletions and a compaction without reopening; a writer has nothing to load', async () => {
      const dim = 8;
      const data = randomVectors(400, dim, 111);
      const queries = randomVectors(3, dim, 112);
      const path = target.path('refresh');
      const writer = await open(path, { dimension: dim });
      writer.addVectors(data.subarray(0, 100 * dim));
      const reader = await open(path, { readOnly: true });
      expect(snapshot(reader, queries, dim)).toEqual(snapshot(writer, queries, dim));
      expect(await reader.refresh()).toBe(false);
      expect(await writer.refresh()).toBe(false);

      writer.addVectors(data.subarray(100 * dim, 150 * dim));
      writer.markDeleted([3, 120]);
      expect(reader.getTotalVectors()).toBe(100);
      expect(await reader.refresh()).toBe(true);
      expect(snapshot(reader, queries, dim)).toEqual(snapshot(writer, queries, dim));
      expect(reader.getVectorByVectorId(3)).toBeNull();
      expect(reader.getVectorByVectorId(149)).toEqual(data.subarray(149 * dim, 150 * dim));
      expect(await reader.refresh()).toBe(false);

      // Many commits, past the point where the bitmap moves to a new region.
      writer.addVectors(data.subarray(150 * dim));
      writer.markDeleted([200, 399]);
      expect(await reader.refresh()).toBe(true);
      expect(snapshot(reader, queries, dim)).toEqual(snapshot(writer, queries, dim));

      // A compaction renames a new file over the path: the reader moves to it.
      await writer.compact();
      expect(await reader.refresh()).toBe(true);
      expect(reader.getTotalVectors()).toBe(396);
      expect(snapshot(reader, queries, dim)).toEqual(snapshot(writer, queries, dim));
      expect(await reader.refresh()).toBe(false);
      // And follows the compacted file's later commits.
      writer.addVectors(data.subarray(0, dim));
      expect(await reader.refresh()).toBe(true);
      expect(reader.getTotalVectors()).toBe(397);
      expectCode(() => reader.addVectors(data.subarray(0, dim)), 'READ_ONLY');
      writer.close();
      reader.close();
      await expectCodeAsync(() => reader.refresh(), 'CLOSED');
      await expectCodeAsync(() => writer.refresh(), 'CLOSED');
    });

    it('refresh() that fails, or races a writer, leaves the reader whole', async () => {
      const dim = 8;
      const data = randomVectors(300, dim, 113);
      const queries = randomVectors(3, dim, 114);
      const path = target.path('refresh-fail');
      const writer = await open(path, { dimension: dim });
      writer.addVectors(data.subarray(0, 100 * dim));
      const inner = await target.backend();
      let failReads = false;
      let racing = false;
      let opens = 0;
      const wrapped = wrapBackend(inner, {
        async open(p, options) {
          const file = await inner.open(p, options);
          opens++;
          return wrapFile(file, {
            read(offset: number, into: Uint8Array) {
              if (failReads && offset >= 2 * SLOT_BYTES) throw new MemvecError('IO', 'injected read failure');
              if (racing && offset >= 2 * SLOT_BYTES) {
                // Two commits while the reader reads the bitmap: the second rewrites the area it reads.
                racing = false;
                writer.markDeleted([1]);
                writer.markDeleted([2]);
              }
              return file.read(offset, into);
            },
          });
        },
      });
      const reader = await MemMapVector.open(path, { backend: wrapped as never, readOnly: true, quantization });
      // What refresh() decides: which vectors exist and which are deleted. (Row contents are read from
      // the file as they are, and a writer's markDeleted zero-fills rows in place.)
      const committed = (db: MemMapVector): unknown => {
        const { fileSize: _size, spaceUtilization: _use, reclaimableBytes: _free, ...stat } = db.stat();
        return stat;
      };
      const before = committed(reader);
      writer.addVectors(data.subarray(100 * dim, 200 * dim));
      writer.markDeleted([5]);
      failReads = true;
      await expectCodeAsync(() => reader.refresh(), 'IO');
      failReads = false;
      expect(committed(reader)).toEqual(before);
      racing = true;
      opens = 0;
      expect(await reader.refresh()).toBe(true);
      // The bitmap it first read did not match its header (rewritten meanwhile): it read again.
      expect(opens).toBe(2);
      expect(snapshot(reader, queries, dim)).toEqual(snapshot(writer, queries, dim));
      expect(reader.getVectorByVectorId(2)).toBeNull();
      writer.close();
      reader.close();
    });

    it('a failure at any I/O step of any write leaves the old state or the new one, never a mix', async () => {
      const dim = 12;
      const data = randomVectors(2000, dim, 101);
      const queries = randomVectors(2, dim, 102);
      const operations: Array<[string, (db: MemMapVector) => unknown]> = [
        ['addVectors', (db) => db.addVectors(data.subarray(100 * dim, 300 * dim))],
        // Enough rows to run into the bitmap region: the append first moves the bitmap (two commits).
        ['addVectors past the bitmap', (db) => db.addVectors(data.subarray(100 * dim))],
        ['markDeleted', (db) => db.markDeleted([0, 5, 99])],
        ['compact', (db) => db.compact()],
      ];
      // Quantized: segments of 16 rows, so every write spans several segments (codes and originals).
      const prepare = async (path: string) => {
        if (quantization !== 'f32') await createWithSegments(await target.backend(), path, dim, quantization, 16);
      };
      for (const [name, operation] of operations) {
        // Count the I/O calls the operation makes, then fail each one in turn.
        const probe = new FailingBackend(await target.backend());
        const probePath = target.path(`fail-probe-${name}`);
        await prepare(probePath);
        const probeDb = await MemMapVector.open(probePath, { dimension: dim, backend: probe, quantization });
        probeDb.addVectors(data.subarray(0, 100 * dim));
        probeDb.markDeleted([7]);
        const before = snapshot(probeDb, queries, dim);
        probe.calls = 0;
        await operation(probeDb);
        const total = probe.calls;
        const after = snapshot(probeDb, queries, dim);
        probeDb.close();
        expect(total).toBeGreaterThan(2);

        for (let failAt = 1; failAt <= total; failAt++) {
          const backend = new FailingBackend(await target.backend());
          const path = target.path(`fail-${name}-${failAt}`);
          await prepare(path);
          const db = await MemMapVector.open(path, { dimension: dim, backend, quantization });
          db.addVectors(data.subarray(0, 100 * dim));
          db.markDeleted([7]);
          backend.calls = 0;
          backend.failAt = failAt;
          const outcome = await Promise.resolve()
            .then(() => operation(db))
            .then(
              () => 'ok',
              (err: unknown) => err,
            );
          backend.failAt = Infinity;
          if (outcome !== 'ok') {
            expect(outcome).toBeInstanceOf(MemvecError);
            // Still open: it must be exactly as before. Closed itself: only the file can tell.
            let stillOpen = true;
            try {
              db.getTotalVectors();
            } catch {
              stillOpen = false;
            }
            if (stillOpen) expect(snapshot(db, queries, dim), `${name} failing at call ${failAt}`).toEqual(before);
          }
          db.close();
          const reopened = await MemMapVector.open(path, { backend, quantization });
          const state = snapshot(reopened, queries, dim);
          reopened.close();
          expect([before, after], `${name} failing at call ${failAt}: reopened state`).toContainEqual(state);
        }
      }
    });

    it('creating or compacting, failing at any call (opens, removes, the rename; before or after it is made), leaves no temporary file and a whole store', async () => {
      const dim = 4;
      for (const afterCall of [false, true]) {
        for (let failAt = 1; failAt < 50; failAt++) {
          const inner = await target.backend();
          const backend = new FailingBackend(inner);
          const path = target.path(`replace-fail-${afterCall}-${failAt}`);
          // Creation: the new file is made beside the path and renamed into place.
          backend.countOpens = true;
          backend.afterCall = afterCall;
          backend.failAt = failAt;
          const created = await MemMapVector.open(path, { dimension: dim, backend, quantization }).catch((err: unknown) => err);
          const createInjected = backend.calls >= failAt;
          backend.failAt = Infinity;
          expect(await inner.exists(`${path}.create.tmp`), `create failing at call ${failAt}`).toBe(false);
          if (!(created instanceof MemMapVector)) {
            expect(created).toMatchObject({ code: 'IO' });
            // The path holds nothing, or the whole new (empty) store if only the report of the rename failed.
            if (await inner.exists(path)) {
              const whole = await MemMapVector.open(path, { backend: inner, quantization });
              expect(whole.getTotalVectors()).toBe(0);
              whole.close();
            }
            continue;
          }
          const db = created;
          db.addVectors([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);
          db.markDeleted(1);
          // Compaction: the same replace, then the path reopened.
          backend.calls = 0;
          backend.failAt = failAt;
          const compacted = await db.compact().then(() => undefined, (err: unknown) => err);
          const injected = backend.calls >= failAt;
          backend.failAt = Infinity;
          db.close();
          expect(await inner.exists(`${path}.compact.tmp`), `compact failing at call ${failAt}`).toBe(false);
          if (compacted !== undefined) expect(compacted).toMatchObject({ code: 'IO' });
          const reopened = await MemMapVector.open(path, { backend: inner, quantization });
          // Before: 3 vectors, one deleted; after: the 2 live ones.
          const state = [reopened.getTotalVectors(), reopened.stat().deletedVectors];
          reopened.close();
          expect([[3, 1], [2, 0]], `compact failing at call ${failAt}`).toContainEqual(state);
          if (compacted === undefined) expect(state).toEqual([2, 0]);
          if (!injected && !createInjected) break;
        }
      }
    });
  });
}

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function newestSlot(bytes: Uint8Array): number {
  const seq = (slot: number) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset + slot * SLOT_BYTES, HEADER_BYTES);
    const magic = new TextDecoder().decode(bytes.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + 8));
    return magic === FLAT_MAGIC ? v.getBigUint64(16, true) : -1n;
  };
  return seq(1) > seq(0) ? 1 : 0;
}

/** A copy of the file whose newest header slot is edited and re-checksummed, so only the field check can catch it. */
function rewriteHeader(good: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const bytes = good.slice();
  const slot = newestSlot(bytes);
  const view = new DataView(bytes.buffer, slot * SLOT_BYTES, HEADER_BYTES);
  edit(view);
  view.setUint32(HEADER_BYTES - 4, crc32(bytes.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + HEADER_BYTES - 4)), true);
  // Invalidate the older slot too, so the edited one is the only candidate.
  bytes.fill(0, (1 - slot) * SLOT_BYTES, (1 - slot) * SLOT_BYTES + HEADER_BYTES);
  return bytes;
}
