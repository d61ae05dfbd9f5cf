// The persistent HnswIndex (HnswIndex.open) behaviour every backend must show. Called once per backend
// by test/hnsw-file.test.ts. The yardstick throughout is an in-memory HnswIndex that made the same
// calls: the engine is deterministic, so a reopened file must answer exactly like it, keys and scores.
import { afterAll, describe, expect, it } from 'vitest';
import { MemvecError } from '../../src/errors.js';
import { crc32 } from '../../src/format/crc32.js';
import {
  decodeIndexSlot, INDEX_DATA_START, INDEX_HEADER_BYTES, INDEX_SLOT_BYTES, type IndexHeader,
} from '../../src/format/hnsw-file-header.js';
import { readIndexHeader } from '../../src/hnsw/open-file.js';
import type { HnswOpenOptions } from '../../src/hnsw/open-file.js';
import { HnswIndex, type HnswEntry, type HnswIndexOptions } from '../../src/hnsw-index.js';
import { MemMapVector } from '../../src/memmap-vector.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import type { StorageBackend } from '../../src/storage/types.js';
import { expectCode, expectCodeAsync } from '../support/expect-code.js';
import { clusteredVectors, rng } from '../support/random.js';
import type { BackendTarget } from '../support/backends.js';
import { FailingBackend } from '../support/failing-backend.js';
import { fileBytes, wrapBackend, wrapFile } from '../support/wrap-backend.js';
import { row } from '../support/rows.js';

const DIM = 12;
// threads: 1: the suite compares indexes with twins built by the same calls, which only the
// single-threaded build guarantees (test/hnsw-threads.test.ts covers persistent files on threads).
const CONFIG: HnswIndexOptions = { dimension: DIM, M: 8, efConstruction: 40, efSearch: 30, seed: 5, threads: 1 };
const QUERIES = clusteredVectors(12, DIM, 6, 902);

/** Everything a caller can observe through a few queries: keys, scores, metadata, vectors. */
function observe(index: HnswIndex, queries = QUERIES, dim = DIM): unknown {
  const n = queries.length / dim;
  const results = Array.from({ length: n }, (_, i) => index.search(row(queries, dim, i), 8, { ef: 40 }));
  const keys = [...new Set(results.flat().map((r) => r.key))].sort();
  return { size: index.size(), results, got: keys.map((k) => index.get(k)) };
}

/** The same calls on any index: the persistent one under test and its in-memory twin. */
type Step = (index: HnswIndex) => unknown;

function entries(n: number, prefix: string, seed: number): HnswEntry[] {
  const data = clusteredVectors(n, DIM, 6, seed);
  return Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, vector: row(data, DIM, i), metadata: i % 4 === 0 ? undefined : { i, tag: `${prefix}✓` } }));
}

/** A history with every kind of write: batches (entries and flat), inserts, upserts, deletes. */
function history(seed: number): Step[] {
  const more = clusteredVectors(60, DIM, 6, seed + 1);
  const flat = clusteredVectors(40, DIM, 6, seed + 2);
  const steps: Step[] = [(x) => x.batchInsert(entries(150, 'a', seed))];
  for (let i = 0; i < 60; i++) {
    steps.push((x) => x.insert(`s${i}`, row(more, DIM, i), i % 3 === 0 ? null : [i, 'meta']));
    if (i % 5 === 0) steps.push((x) => x.insert(`a${i}`, row(more, DIM, 59 - i), { upserted: i }));
    if (i % 4 === 1) steps.push((x) => x.delete(`a${i * 2}`));
    if (i % 7 === 3) steps.push((x) => x.delete(`s${i - 1}`));
  }
  // A flat batch that upserts live keys, repeats a key (the later row wins) and re-adds a deleted one.
  const keys = Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? `a${i + 1}` : i === 39 ? 'f0' : i === 20 ? 'a2' : `f${i}`));
  steps.push((x) => x.batchInsert(flat, keys, keys.map((k, i) => ({ k, i }))));
  steps.push((x) => x.delete('missing-key'));
  // Metadata changed in place (set, replaced, removed) and a deleteMany with repeats and unknown keys.
  steps.push((x) => x.updateMetadata('f1', { updated: ['x', 1] }));
  steps.push((x) => x.updateMetadata('s1', undefined));
  steps.push((x) => x.updateMetadata('f1', 'twice'));
  steps.push((x) => x.deleteMany(['a3', 'a5', 'missing', 'a3', 's4']));
  steps.push((x) => x.deleteMany(['missing', 'a3']));
  return steps;
}

async function run(index: HnswIndex, steps: Step[]): Promise<void> {
  for (const step of steps) await step(index);
}

async function twinOf(steps: Step[], config: HnswIndexOptions = CONFIG): Promise<HnswIndex> {
  // On one thread unless the config says otherwise: the persistent index it is compared with is too.
  const twin = await HnswIndex.create({ threads: 1, ...config });
  await run(twin, steps);
  return twin;
}

// ---------------------------------------------------------------------------------------------- file helpers

async function writeBytes(backend: StorageBackend, path: string, bytes: Uint8Array): Promise<void> {
  const file = await backend.open(path, { create: true });
  try {
    file.truncate(0);
    if (bytes.length > 0) file.write(0, bytes);
    file.sync();
  } finally {
    file.close();
  }
}

async function headerOf(backend: StorageBackend, path: string): Promise<IndexHeader & { fileSize: number }> {
  const file = await backend.open(path, { readOnly: true });
  try {
    return { ...readIndexHeader(file, path).header, fileSize: file.size() };
  } finally {
    file.close();
  }
}

/** Both slots' headers as stored (null for an invalid slot), and which one is newest. */
function slotsOf(bytes: Uint8Array): { headers: Array<IndexHeader | null>; newest: number } {
  const headers = [0, 1].map((s) => {
    const r = decodeIndexSlot(bytes.subarray(s * INDEX_SLOT_BYTES, s * INDEX_SLOT_BYTES + INDEX_HEADER_BYTES), bytes.length);
    return r.kind === 'valid' ? r.header : null;
  });
  const newest = headers[1] !== null && (headers[0] === null || headers[1].sequence > headers[0].sequence) ? 1 : 0;
  return { headers, newest };
}

/** Changes a header slot in place with `patch` and gives it a valid checksum again. */
function patchSlot(bytes: Uint8Array, slot: number, patch: (view: DataView) => void): void {
  const at = slot * INDEX_SLOT_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, INDEX_HEADER_BYTES);
  patch(view);
  view.setUint32(INDEX_HEADER_BYTES - 4, crc32(bytes.subarray(at, at + INDEX_HEADER_BYTES - 4)), true);
}

// ---------------------------------------------------------------------------------------------- the suite

export function hnswFileSuite(target: BackendTarget): void {
  describe(`persistent HnswIndex on the ${target.name} backend`, () => {
    afterAll(() => target.cleanup());
    // threads: 1 unless a test says otherwise: reopens replay batches, and compare with twins (see CONFIG).
    const open = async (path: string, options: HnswOpenOptions = {}) => HnswIndex.open(path, { backend: await target.backend(), threads: 1, ...options });

    const kinds = [['cosine', 'f32'], ['euclidean', 'f32'], ['cosine', 'i8'], ['euclidean', 'f16']] as const;
    for (const [metric, quantization] of kinds) {
      it(`${metric}, ${quantization}: reopening answers exactly like an in-memory index that made the same calls`, async () => {
        const config = { ...CONFIG, metric, quantization };
        const steps = history(11);
        const path = target.path(`roundtrip-${metric}-${quantization}`);
        const index = await open(path, config);
        const twinCfg = await twinOf([], config);
        for (const step of steps) {
          await step(index);
          await step(twinCfg);
        }
        expect(observe(index)).toEqual(observe(twinCfg));
        index.close();

        const again = await open(path); // options may be left out for an existing file
        expect(again.metric).toBe(metric);
        expect(again.quantization).toBe(quantization);
        expect([again.dimension, again.M, again.efConstruction, again.efSearch]).toEqual([DIM, 8, 40, 30]);
        expect(observe(again)).toEqual(observe(twinCfg));
        const reader = await open(path, { readOnly: true, ...config });
        expect(observe(reader)).toEqual(observe(twinCfg));
        reader.close();
        // Writes after a reopen continue the same history.
        const later = history(12).slice(1, 40);
        await run(again, later);
        await run(twinCfg, later);
        expect(observe(again)).toEqual(observe(twinCfg));
        await again[Symbol.asyncDispose]();
        const third = await open(path);
        expect(observe(third)).toEqual(observe(twinCfg));
        third.close();
        twinCfg.close();
      });
    }

    it('renumbering batches replay exactly across checkpoints (the ordered-slot count travels in the header)', async () => {
      // 9000 rows renumber at the end of their batch; single inserts then leave the tail unordered, so a
      // later batch renumbers at a point that depends on the ordered-slot count, which the snapshot lacks.
      const dim = 4;
      const config = { dimension: dim, M: 6, efConstruction: 16, seed: 9 };
      const data = clusteredVectors(19_000, dim, 10, 903);
      const queries = clusteredVectors(10, dim, 10, 904);
      const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);
      const steps: Step[] = [
        (x) => x.batchInsert(data.subarray(0, 9000 * dim), keys(0, 9000)),
        ...Array.from({ length: 1000 }, (_, i): Step => (x) => x.insert(`r${9000 + i}`, row(data, dim, 9000 + i))),
      ];
      const path = target.path('renumber');
      const index = await open(path, { ...config, checkpointLogBytes: Infinity });
      await run(index, steps);
      await index.checkpoint();
      const last: Step = (x) => x.batchInsert(data.subarray(10_000 * dim), keys(10_000, 19_000));
      await last(index);
      index.close();
      const twin = await twinOf([...steps, last], config);
      const again = await open(path);
      expect(observe(again, queries, dim)).toEqual(observe(twin, queries, dim));
      again.close();
      twin.close();
    });

    it('i8: a writer reads its originals from its file; JS memory holds only those written since the last snapshot', async () => {
      type Hook = { core: { engine: { originals: { fileSlots: number } } } };
      const inFile = (index: HnswIndex) => (index as unknown as Hook).core.engine.originals.fileSlots;
      const config = { ...CONFIG, quantization: 'i8' as const };
      const path = target.path('originals-in-file');
      // Checkpoints only when asked: the automatic ones depend on timing (index-file.ts).
      const index = await open(path, { ...config, checkpointLogBytes: Infinity });
      const twin = await twinOf([], config);
      const first = entries(300, 'a', 71);
      await index.batchInsert(first);
      await twin.batchInsert(first);
      // In memory until a snapshot holds them; then read from the file.
      expect(inFile(index)).toBe(0);
      await index.checkpoint();
      expect(inFile(index)).toBe(300);
      expect(observe(index)).toEqual(observe(twin));
      for (const e of first.slice(0, 3)) expect(index.get(e.key)!.vector).toEqual(twin.get(e.key)!.vector);
      // Writes after it: the new ones in memory, the rest still from the file; a reopen reads the file.
      const more = entries(40, 'b', 72);
      await index.batchInsert(more);
      await twin.batchInsert(more);
      index.delete('a1');
      twin.delete('a1');
      expect(inFile(index)).toBe(300);
      expect(observe(index)).toEqual(observe(twin));
      index.close();
      const again = await open(path, { checkpointLogBytes: Infinity });
      expect(inFile(again)).toBe(300);
      expect(observe(again)).toEqual(observe(twin));
      // Compaction: the new file's snapshot holds them.
      await again.compact();
      await twin.compact();
      expect(inFile(again)).toBe(339);
      expect(observe(again)).toEqual(observe(twin));
      expect(again.get('b3')!.vector).toEqual(twin.get('b3')!.vector);
      again.close();
      twin.close();
    });

    it('config: given options must match the file; a new file needs a dimension', async () => {
      const path = target.path('config');
      (await open(path, CONFIG)).close();
      (await open(path, { dimension: DIM, metric: 'cosine', M: 8 })).close();
      await expectCodeAsync(() => open(path, { dimension: DIM + 1 }), 'DIMENSION_MISMATCH');
      for (const bad of [{ metric: 'dot' }, { M: 9 }, { efConstruction: 41 }, { efSearch: 31 }, { seed: 6 }, { quantization: 'i8' }, { rerank: 2 }] as const) {
        await expectCodeAsync(() => open(path, bad), 'INVALID_ARGUMENT');
      }
      // A quantized file: the error says what the file holds.
      const quantized = target.path('config-i8');
      (await open(quantized, { ...CONFIG, quantization: 'i8', rerank: 2 })).close();
      await expect(open(quantized, { quantization: 'f16' })).rejects.toThrow(/holds i8 vectors, not f16/);
      await expectCodeAsync(() => open(quantized, { rerank: 3 }), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => open(quantized, { rerank: false }), 'INVALID_ARGUMENT');
      const same = await open(quantized, { quantization: 'i8', rerank: 2 });
      expect([same.quantization, same.rerank]).toEqual(['i8', 2]);
      same.close();
      for (const bad of [{ M: 1 }, { metric: 'manhattan' }, { readOnly: 'yes' }, { checkpointLogBytes: -1 }] as const) {
        await expectCodeAsync(() => open(path, bad as never), 'INVALID_ARGUMENT');
      }
      await expectCodeAsync(() => open(''), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => HnswIndex.open(path, 5 as never), 'INVALID_ARGUMENT');
      const backend = await target.backend();
      const missing = target.path('missing');
      await expectCodeAsync(() => open(missing), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => open(missing, { ...CONFIG, readOnly: true }), 'IO');
      expect(await backend.exists(missing)).toBe(false);
      // The two file kinds are told apart, with a hint.
      const snapshotPath = target.path('snapshot');
      const plain = await twinOf([(x) => x.insert('a', row(QUERIES, DIM, 0))]);
      await plain.save(snapshotPath, { backend });
      plain.close();
      await expect(open(snapshotPath)).rejects.toThrow(/HnswIndex\.load/);
      await expect(HnswIndex.load(path, { backend })).rejects.toThrow(/HnswIndex\.open/);
    });

    it('one writer per file (LOCKED); readers see the last commit as of their open and cannot write', async () => {
      const path = target.path('locks');
      const writer = await open(path, CONFIG);
      await writer.batchInsert(entries(40, 'w', 5));
      await expectCodeAsync(() => open(path), 'LOCKED');
      const reader = await open(path, { readOnly: true });
      expect(observe(reader)).toEqual(observe(writer));
      const seen = observe(reader);
      writer.insert('later', row(QUERIES, DIM, 1));
      expect(observe(reader)).toEqual(seen);
      expectCode(() => reader.insert('x', row(QUERIES, DIM, 2)), 'READ_ONLY');
      expectCode(() => reader.delete('w1'), 'READ_ONLY');
      await expectCodeAsync(() => reader.batchInsert(entries(2, 'r', 6)), 'READ_ONLY');
      await expectCodeAsync(() => reader.checkpoint(), 'READ_ONLY');
      // A reader may still save a snapshot elsewhere; the writer may not save over its own file.
      const backend = await target.backend();
      const copy = target.path('reader-copy');
      await reader.save(copy, { backend });
      const loaded = await HnswIndex.load(copy, { backend });
      expect(observe(loaded)).toEqual(seen);
      loaded.close();
      await expectCodeAsync(() => writer.save(path, { backend }), 'LOCKED');
      const fresh = await open(path, { readOnly: true });
      expect(fresh.has('later')).toBe(true);
      fresh.close();
      reader.close();
      writer.close();
      // Closing released the lock.
      const next = await open(path);
      expect(next.size()).toBe(41);
      next.close();
      await expectCodeAsync(() => next.search(row(QUERIES, DIM, 0), 1), 'CLOSED');
    });

    it('checkpoints fold the log into a fresh snapshot; the file stays bounded; reopening is exact', async () => {
      const path = target.path('checkpoint');
      const backend = await target.backend();
      const index = await open(path, { ...CONFIG, checkpointLogBytes: 4096 });
      const twin = await twinOf([]);
      const data = clusteredVectors(900, DIM, 6, 905);
      let checkpoints = 0;
      let previous = await headerOf(backend, path);
      for (let i = 0; i < 900; i++) {
        const step: Step = i % 6 === 5 ? (x) => x.delete(`c${i - 3}`) : (x) => x.insert(`c${i}`, row(data, DIM, i), { i });
        step(index);
        step(twin);
        const h = await headerOf(backend, path);
        expect(h.sequence).toBe(previous.sequence + (h.logLength === 0 ? 2 : 1));
        if (h.logLength === 0) checkpoints++;
        // However many commits: never more than two snapshots (the one being written while the
        // committed one stays), two logs (the committed one, the one an older snapshot left) and
        // alignment; and the log never much past its limit.
        expect(h.fileSize).toBeLessThanOrEqual(8192 + 2.5 * (h.snapshotLength + 4096) + 2 * (4096 + 1024));
        expect(h.logLength).toBeLessThanOrEqual(4096 + 1024);
        previous = h;
      }
      expect(checkpoints).toBeGreaterThan(10);
      expect(observe(index)).toEqual(observe(twin));
      index.close();
      const again = await open(path, { checkpointLogBytes: Infinity });
      expect(observe(again)).toEqual(observe(twin));
      // Explicit checkpoints: only when there is a log to fold in.
      again.insert('x1', row(data, DIM, 1));
      twin.insert('x1', row(data, DIM, 1));
      expect((await headerOf(backend, path)).logRecords).toBe(previous.logRecords + 1);
      await again.checkpoint();
      const h = await headerOf(backend, path);
      expect([h.logLength, h.logRecords]).toEqual([0, 0]);
      const bytes = await fileBytes(backend, path);
      await again.checkpoint();
      expect(await fileBytes(backend, path)).toEqual(bytes);
      again.close();
      const third = await open(path);
      expect(observe(third)).toEqual(observe(twin));
      third.close();
      twin.close();
      // An in-memory index has nothing to checkpoint.
      const plain = await HnswIndex.create(CONFIG);
      await plain.checkpoint();
      plain.close();
    });

    describe('compact()', () => {
      /** 60 keys, then 25 batches upserting all of them, single upserts and deletes: mostly dead slots. */
      function churn(): Step[] {
        const steps: Step[] = [(x) => x.batchInsert(entries(60, 'c', 70))];
        for (let round = 0; round < 25; round++) {
          const data = clusteredVectors(60, DIM, 6, 71 + round);
          const keys = Array.from({ length: 60 }, (_, i) => `c${(i * 7 + round) % 60}`);
          steps.push((x) => x.batchInsert(data, keys, keys.map((_, i) => (i % 5 === 0 ? undefined : { round, i }))));
          steps.push((x) => x.insert(`c${round}`, row(data, DIM, round), { single: round }));
          if (round % 5 === 4) steps.push((x) => x.delete(`c${round * 2}`));
        }
        return steps;
      }

      it('the file shrinks to the fresh index of the live entries; readers keep what they loaded; writes go on in the new file', async () => {
        const path = target.path('compact');
        const backend = await target.backend();
        const index = await open(path, { ...CONFIG, checkpointLogBytes: 4096 });
        const steps = churn();
        await run(index, steps);
        const twin = await twinOf(steps);
        const before = await headerOf(backend, path);
        const reader = await open(path, { readOnly: true });
        const seen = observe(reader);
        expect(seen).toEqual(observe(twin));

        const progress: number[] = [];
        const result = await index.compact({ onProgress: (done) => progress.push(done) });
        expect(result).toEqual(await twin.compact());
        expect(result.reclaimed).toBeGreaterThan(1500);
        expect(progress.at(-1)).toBe(index.size());

        // One commit more than the old file's last; just the header page pair, the snapshot of the
        // fresh index of the live entries (which the compacted twin is, byte for byte), and no log.
        const after = await headerOf(backend, path);
        const snapshot = new MemoryBackend();
        await twin.save('fresh', { backend: snapshot });
        expect(after.sequence).toBe(before.sequence + 1);
        expect([after.logLength, after.logRecords]).toEqual([0, 0]);
        expect(after.fileSize).toBe(INDEX_DATA_START + snapshot.getBytes('fresh').length);
        expect(after.fileSize).toBeLessThan(before.fileSize / 5);
        expect(await backend.exists(`${path}.compact.tmp`)).toBe(false);
        expect(observe(index)).toEqual(observe(twin));

        // The reader that opened before keeps answering from what it loaded; one opened now sees the
        // compacted index.
        expect(observe(reader)).toEqual(seen);
        const later = await open(path, { readOnly: true });
        expect(observe(later)).toEqual(observe(twin));
        expect(await later.compact().catch((err: MemvecError) => err.code)).toBe('READ_ONLY');
        later.close();

        // Writes, checkpoints and a second compaction carry on in the new file, and survive a reopen.
        const more: Step[] = [
          (x) => x.insert('n1', row(QUERIES, DIM, 1), { n: 1 }),
          (x) => x.delete('c3'),
          (x) => x.batchInsert(entries(20, 'c', 72)),
          (x) => x.checkpoint(),
          (x) => x.insert('n2', row(QUERIES, DIM, 2)),
          (x) => x.compact(),
          (x) => x.insert('n3', row(QUERIES, DIM, 3)),
        ];
        await run(index, more);
        await run(twin, more);
        expect(observe(index)).toEqual(observe(twin));
        await expectCodeAsync(() => open(path), 'LOCKED');
        index.close();
        const again = await open(path);
        expect(observe(again)).toEqual(observe(twin));
        expect(again.has('n3')).toBe(true);
        again.close();
        reader.close();
        twin.close();
      });

      it('a reader that has the file open when compaction renames over it reads the old file to the end', async () => {
        const inner = await target.backend();
        const path = target.path('compact-race');
        const writer = await open(path, CONFIG);
        const steps = churn().slice(0, 10);
        await run(writer, steps);
        const snapshotOf = async (index: HnswIndex): Promise<Uint8Array> => {
          const backend = new MemoryBackend();
          await index.save('s', { backend });
          return backend.getBytes('s');
        };
        const twin = await twinOf(steps);
        const old = await snapshotOf(twin);
        // The writer compacts between the reader's open of the file and its first read.
        let readerOpens = 0;
        const racing = wrapBackend(inner, {
          async open(p, options) {
            const file = await inner.open(p, options);
            if (options?.readOnly && readerOpens++ === 0) await writer.compact();
            return file;
          },
        });
        const reader = await HnswIndex.open(path, { backend: racing, readOnly: true });
        // One open, no retry: the old file stayed whole under the reader (POSIX keeps an unlinked
        // file alive while it is open; the memory backend keeps its bytes).
        expect(readerOpens).toBe(1);
        expect(await snapshotOf(reader)).toEqual(old);
        await twin.compact();
        const compacted = await snapshotOf(twin);
        expect(compacted.length).toBeLessThan(old.length);
        expect(await snapshotOf(writer)).toEqual(compacted);
        const later = await open(path, { readOnly: true });
        expect(await snapshotOf(later)).toEqual(compacted);
        later.close();
        reader.close();
        writer.close();
        twin.close();
      });

      it('what a killed compaction left beside the file is removed by the next writer, not by a reader', async () => {
        const path = target.path('compact-leftover');
        const backend = await target.backend();
        const index = await open(path, CONFIG);
        await run(index, churn().slice(0, 4));
        index.close();
        await writeBytes(backend, `${path}.compact.tmp`, new Uint8Array(5000).fill(7));
        const reader = await open(path, { readOnly: true });
        reader.close();
        expect(await backend.exists(`${path}.compact.tmp`)).toBe(true);
        const writer = await open(path);
        expect(await backend.exists(`${path}.compact.tmp`)).toBe(false);
        // And a leftover that is still there is replaced, not appended to.
        await writeBytes(backend, `${path}.compact.tmp`, new Uint8Array(5000).fill(7));
        expect((await writer.compact()).reclaimed).toBeGreaterThan(0);
        writer.close();
        const twin = await twinOf(churn().slice(0, 4));
        await twin.compact();
        const reopened = await open(path);
        expect(observe(reopened)).toEqual(observe(twin));
        reopened.close();
        twin.close();
      });

      it('an aborted compaction changes no byte of the file and leaves no temporary file', async () => {
        const path = target.path('compact-abort');
        const backend = await target.backend();
        const index = await open(path, CONFIG);
        await run(index, churn().slice(0, 8));
        const bytes = await fileBytes(backend, path);
        const controller = new AbortController();
        await expectCodeAsync(() => index.compact({
          signal: controller.signal,
          // Aborts when the last entry is in: the rebuild is done, the file not yet written.
          onProgress: (done, total) => done === total && controller.abort(),
        }), 'ABORTED');
        expect(await fileBytes(backend, path)).toEqual(bytes);
        expect(await backend.exists(`${path}.compact.tmp`)).toBe(false);
        index.insert('still', row(QUERIES, DIM, 0));
        index.close();

        // Aborted while the new file is being made (the last moment an abort is honoured: the rename
        // is the commit point): the new file is removed, the old one untouched.
        const late = new AbortController();
        const aborting = wrapBackend(backend, {
          open(p, options) {
            if (p.endsWith('.compact.tmp')) late.abort();
            return backend.open(p, options);
          },
        });
        const again = await HnswIndex.open(path, { backend: aborting });
        const before = await fileBytes(backend, path);
        await expectCodeAsync(() => again.compact({ signal: late.signal }), 'ABORTED');
        expect(late.signal.aborted).toBe(true);
        expect(await fileBytes(backend, path)).toEqual(before);
        expect(await backend.exists(`${path}.compact.tmp`)).toBe(false);
        again.close();
        const reopened = await open(path);
        expect(reopened.has('still')).toBe(true);
        reopened.close();
      });
    });

    describe('damaged and foreign files are CORRUPT_FILE or UNSUPPORTED_VERSION, never a crash', async () => {
      const backend = await target.backend();
      const source = target.path('corrupt-source');
      const steps = [...history(21).slice(0, 30)];
      const before = await twinOf(steps.slice(0, -1));
      const after = await twinOf(steps);
      const index = await open(source, { ...CONFIG, checkpointLogBytes: Infinity });
      await run(index, steps);
      index.close();
      const good = await fileBytes(backend, source);
      const { headers, newest } = slotsOf(good);
      const h = headers[newest]!;
      const expected = { before: observe(before), after: observe(after) };
      before.close();
      after.close();

      const tryBytes = async (bytes: Uint8Array): Promise<HnswIndex> => {
        const path = target.path('corrupt');
        await writeBytes(backend, path, bytes);
        return open(path);
      };
      const expectBytes = async (bytes: Uint8Array, code: string) => expectCodeAsync(() => tryBytes(bytes), code);
      const flipped = (at: number, bit = 0): Uint8Array => {
        const bytes = good.slice();
        bytes[at]! ^= 1 << bit;
        return bytes;
      };

      it('the good file opens, with a log to replay', async () => {
        expect(h.logRecords).toBeGreaterThan(20);
        const ok = await tryBytes(good);
        expect(observe(ok)).toEqual(expected.after);
        ok.close();
      });

      it('zero-length, random bytes, truncated anywhere', async () => {
        await expectBytes(new Uint8Array(0), 'CORRUPT_FILE');
        const random = rng(7);
        await expectBytes(Uint8Array.from({ length: 50_000 }, () => Math.floor(random() * 256)), 'CORRUPT_FILE');
        const older = headers[1 - newest]!;
        const lastRecord = older.logOffset + older.logLength;
        for (const cut of [100, 5000, 8191, 8192, h.snapshotOffset + 400, h.snapshotOffset + (h.snapshotLength >> 1), h.logOffset + 5, lastRecord - 1]) {
          await expectBytes(good.slice(0, cut), 'CORRUPT_FILE');
        }
        // Cut inside the last record, the file is what a crash before its header write leaves, and the
        // older slot (which does not reach that far) is the newest valid one.
        const cut = await tryBytes(good.slice(0, h.logOffset + h.logLength - 1));
        expect(observe(cut)).toEqual(expected.before);
        cut.close();
      });

      it('a flipped bit in both header slots, in the snapshot, or in the committed log', async () => {
        const both = good.slice();
        both[INDEX_SLOT_BYTES * newest + 30]! ^= 4;
        both[INDEX_SLOT_BYTES * (1 - newest) + 30]! ^= 4;
        await expectBytes(both, 'CORRUPT_FILE');
        for (const at of [h.snapshotOffset + 3, h.snapshotOffset + 200, h.snapshotOffset + 400, h.snapshotOffset + h.snapshotLength - 2]) {
          await expectBytes(flipped(at, 3), 'CORRUPT_FILE');
        }
        for (const at of [h.logOffset, h.logOffset + 2, h.logOffset + 5, h.logOffset + 9, h.logOffset + 30, h.logOffset + (h.logLength >> 1), h.logOffset + h.logLength - 1]) {
          await expectBytes(flipped(at, 1), 'CORRUPT_FILE');
        }
      });

      it('a torn newest header opens the commit before it (what a crash during that commit leaves)', async () => {
        const torn = await tryBytes(flipped(INDEX_SLOT_BYTES * newest + 50));
        expect(observe(torn)).toEqual(expected.before);
        torn.close();
      });

      it('bytes past the committed log are ignored, whatever they hold', async () => {
        const random = rng(9);
        const tail = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
        const longer = new Uint8Array(good.length + tail.length);
        longer.set(good);
        longer.set(tail, good.length);
        const ok = await tryBytes(longer);
        expect(observe(ok)).toEqual(expected.after);
        ok.close();
        // A whole well-formed record past the end is still not committed.
        const copy = good.slice();
        const last = copy.slice(h.logOffset, h.logOffset + 200);
        const withRecord = new Uint8Array(copy.length + last.length);
        withRecord.set(copy);
        withRecord.set(last, copy.length);
        const ok2 = await tryBytes(withRecord);
        expect(observe(ok2)).toEqual(expected.after);
        ok2.close();
      });

      it('checksummed headers whose counts or offsets do not fit the file', async () => {
        const cases: Array<[string, (v: DataView) => void, string]> = [
          ['log past the end', (v) => v.setBigUint64(48, BigInt(h.logLength + 10_000), true), 'CORRUPT_FILE'],
          ['huge log', (v) => v.setBigUint64(48, 2n ** 62n, true), 'CORRUPT_FILE'],
          ['snapshot offset past the end', (v) => v.setBigUint64(24, BigInt(good.length + 4096 * 8), true), 'CORRUPT_FILE'],
          ['snapshot offset unaligned', (v) => v.setBigUint64(24, BigInt(h.snapshotOffset + 8), true), 'CORRUPT_FILE'],
          ['snapshot cut short', (v) => v.setBigUint64(32, BigInt(h.snapshotLength - 64), true), 'CORRUPT_FILE'],
          ['log inside the snapshot', (v) => v.setBigUint64(40, BigInt(h.snapshotOffset + 16), true), 'CORRUPT_FILE'],
          ['log shorter than committed', (v) => v.setBigUint64(48, BigInt(h.logLength - 7), true), 'CORRUPT_FILE'],
          ['one record more', (v) => v.setBigUint64(56, BigInt(h.logRecords + 1), true), 'CORRUPT_FILE'],
          ['one record fewer', (v) => v.setBigUint64(56, BigInt(h.logRecords - 1), true), 'CORRUPT_FILE'],
          ['a million records', (v) => v.setBigUint64(56, 1_000_000n, true), 'CORRUPT_FILE'],
          ['log checksum', (v) => v.setUint32(64, h.logCrc ^ 1, true), 'CORRUPT_FILE'],
          ['ordered slots', (v) => v.setUint32(68, 0xffffff, true), 'CORRUPT_FILE'],
          ['snapshot identity', (v) => v.setUint32(80, h.snapshotCrc ^ 1, true), 'CORRUPT_FILE'],
          ['reserved bytes', (v) => v.setUint8(90, 1), 'CORRUPT_FILE'],
          ['newer version', (v) => v.setUint32(8, 2, true), 'UNSUPPORTED_VERSION'],
        ];
        for (const [name, patch, code] of cases) {
          const bytes = good.slice();
          patchSlot(bytes, 0, patch);
          patchSlot(bytes, 1, patch);
          await expectCodeAsync(() => tryBytes(bytes), code).catch((err: unknown) => {
            throw new Error(`${name}: ${String(err)}`);
          });
        }
      });

      it('a record whose length runs past the committed log, even with the log checksum redone', async () => {
        const bytes = good.slice();
        new DataView(bytes.buffer).setUint32(h.logOffset, h.logLength, true);
        const logCrc = crc32(bytes.subarray(h.logOffset, h.logOffset + h.logLength));
        patchSlot(bytes, newest, (v) => v.setUint32(64, logCrc, true));
        patchSlot(bytes, 1 - newest, (v) => v.setUint32(64, logCrc, true));
        await expectBytes(bytes, 'CORRUPT_FILE');
      });
    });

    it('bad input changes nothing: not the bytes of the file, not the answers', async () => {
      const backend = await target.backend();
      const path = target.path('bad-input');
      const index = await open(path, CONFIG);
      await run(index, history(31).slice(0, 20));
      await index.checkpoint();
      const bytes = await fileBytes(backend, path);
      const seen = observe(index);
      const good = row(QUERIES, DIM, 0);
      const calls: Array<[() => unknown, string]> = [
        [() => index.insert('n', new Float32Array(DIM + 1)), 'DIMENSION_MISMATCH'],
        [() => index.insert('n', [...good.slice(1), NaN]), 'INVALID_VECTOR'],
        [() => index.insert('', good), 'INVALID_ARGUMENT'],
        [() => index.insert(7 as never, good), 'INVALID_ARGUMENT'],
        [() => index.insert('n', good, 10n), 'INVALID_ARGUMENT'],
        [() => index.delete(7 as never), 'INVALID_ARGUMENT'],
        [() => index.batchInsert(entries(30, 'b', 32).map((e, i) => (i === 20 ? { ...e, vector: [1] } : e))), 'DIMENSION_MISMATCH'],
        [() => index.batchInsert(clusteredVectors(5, DIM, 2, 33), ['a', 'b']), 'INVALID_ARGUMENT'],
        [() => index.batchInsert(entries(30, 'b', 32), { signal: AbortSignal.abort() }), 'ABORTED'],
      ];
      for (const [call, code] of calls) await expectCodeAsync(call, code);
      expect(index.delete('not-there')).toBe(false);
      await index.checkpoint(); // nothing to fold in: writes nothing
      // Aborted mid-batch: rolled back, nothing logged.
      const controller = new AbortController();
      await expectCodeAsync(
        () => index.batchInsert(entries(300, 'm', 34), { signal: controller.signal, onProgress: (done) => done >= 100 && controller.abort() }),
        'ABORTED',
      );
      expect(await fileBytes(backend, path)).toEqual(bytes);
      expect(observe(index)).toEqual(seen);
      // Writes while a batch runs are LOCKED and write nothing; the batch itself then commits.
      let locked: Promise<void> | undefined;
      await index.batchInsert(entries(400, 'l', 35), {
        onProgress: (done) => {
          if (locked !== undefined || done < 100) return;
          expectCode(() => index.insert('x', good), 'LOCKED');
          expectCode(() => index.delete('a1'), 'LOCKED');
          locked = expectCodeAsync(() => index.checkpoint(), 'LOCKED');
        },
      });
      await locked;
      expect(locked).toBeDefined();
      const twin = await twinOf([...history(31).slice(0, 20), (x) => x.batchInsert(entries(400, 'l', 35))]);
      expect(observe(index)).toEqual(observe(twin));
      index.close();
      const again = await open(path);
      expect(observe(again)).toEqual(observe(twin));
      again.close();
      twin.close();
    });

    describe('a storage failure at any step of a write leaves the state before or after it', async () => {
      const backend = await target.backend();
      const base = target.path('fail-base');
      const prefix = history(41).slice(0, 25);
      const seed = await open(base, { ...CONFIG, checkpointLogBytes: Infinity });
      await run(seed, prefix);
      seed.close();
      const baseBytes = await fileBytes(backend, base);
      const more = clusteredVectors(30, DIM, 6, 42);

      /** Which calls fail (compaction also opens, removes and renames files) and when (see FailingBackend). */
      type Mode = { countOpens: boolean; afterCall: boolean };
      const cases: Array<[string, Step, number, Mode?]> = [
        ['insert', (x) => x.insert('new', row(more, DIM, 0), { n: 1 }), Infinity],
        ['upsert', (x) => x.insert('a3', row(more, DIM, 1)), Infinity],
        ['batchInsert', (x) => x.batchInsert(more, Array.from({ length: 30 }, (_, i) => (i === 4 ? 'a1' : `n${i}`))), Infinity],
        ['delete', (x) => x.delete('a5'), Infinity],
        ['deleteMany', (x) => x.deleteMany(['a5', 'a7', 'missing', 'a5', 's3']), Infinity],
        ['deleteMany(filter)', (x) => x.deleteMany({ tag: 'a✓', i: { $lt: 40 } }), Infinity],
        ['updateMetadata', (x) => x.updateMetadata('a7', { changed: [1, 2] }), Infinity],
        ['checkpoint', (x) => x.checkpoint(), Infinity],
        ['insert then an automatic checkpoint', (x) => x.insert('new', row(more, DIM, 2)), 0],
        ['delete then an automatic checkpoint', (x) => x.delete('a6'), 0],
        ['deleteMany then an automatic checkpoint', (x) => x.deleteMany(['a6', 'a7']), 0],
        ['updateMetadata then an automatic checkpoint', (x) => x.updateMetadata('a6', null), 0],
        ['compact (each call fails before it is made)', (x) => x.compact(), Infinity, { countOpens: true, afterCall: false }],
        ['compact (each call fails after it is made)', (x) => x.compact(), Infinity, { countOpens: true, afterCall: true }],
      ];
      for (const [name, step, checkpointLogBytes, mode] of cases) {
        it(name, async () => {
          const before = await twinOf(prefix);
          const after = await twinOf([...prefix, step]);
          const want = { before: observe(before), after: observe(after) };
          before.close();
          after.close();
          const outcomes = new Set<string>();
          let failAt = 1;
          for (; failAt < 100; failAt++) {
            const path = target.path('fail');
            await writeBytes(backend, path, baseBytes);
            const failing = new FailingBackend(backend);
            const index = await HnswIndex.open(path, { backend: failing, checkpointLogBytes });
            failing.calls = 0;
            failing.failAt = failAt;
            failing.countOpens = mode?.countOpens ?? false;
            failing.afterCall = mode?.afterCall ?? false;
            let error: unknown;
            try {
              await step(index);
            } catch (err) {
              error = err;
            }
            const injected = failing.calls >= failAt;
            failing.failAt = Infinity;
            let closed = false;
            try {
              index.size();
            } catch (err) {
              expect((err as MemvecError).code).toBe('CLOSED');
              closed = true;
            }
            if (injected) outcomes.add(`${error === undefined ? 'returned' : 'threw'}, ${closed ? 'closed' : 'open'}`);
            if (error !== undefined) {
              expect((error as MemvecError).code, String(error)).toBe('IO');
              expect(injected).toBe(true);
            }
            if (!closed) {
              // Still open: memory agrees with the file, and the index takes the next write.
              expect(observe(index)).toEqual(error === undefined ? want.after : want.before);
              index.insert('next', row(more, DIM, 8));
            } else {
              // The index closed itself: every call says so, and why.
              await expectCodeAsync(() => index.insert('next', row(more, DIM, 8)), 'CLOSED');
              expect(() => index.size()).toThrow(/closed itself after a failed write/);
            }
            index.close();
            const reopened = await open(path);
            // A writer's open removes what a failed compaction may have left beside the file.
            expect(await backend.exists(`${path}.compact.tmp`)).toBe(false);
            expect(reopened.has('next')).toBe(!closed);
            if (!closed) reopened.delete('next');
            const state = observe(reopened);
            if (error !== undefined && !closed) expect(state).toEqual(want.before);
            else if (error === undefined) expect(state).toEqual(want.after);
            else expect([want.before, want.after]).toContainEqual(state);
            reopened.close();
            if (!injected) break;
          }
          expect(failAt).toBeGreaterThan(2);
          expect(failAt).toBeLessThan(100);
          // Every kind of failure was met: before the header write (the call fails, nothing changed),
          // and from it on (the outcome is unknown, so the index closed itself).
          const expected = checkpointLogBytes === 0
            ? ['threw, open', 'threw, closed', 'returned, open', 'returned, closed']
            : ['threw, open', 'threw, closed'];
          expect([...outcomes].sort()).toEqual(expected.sort());
        });
      }
    });

    it('a reader whose snapshot a writer overwrites while it loads starts over, and sees a whole commit', async () => {
      const inner = await target.backend();
      const path = target.path('race');
      const writer = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      await writer.batchInsert(entries(200, 'a', 51));
      await writer.checkpoint();
      const more = clusteredVectors(20, DIM, 6, 52);
      // The writer's moves, made the moment the reader first reads past the headers: two checkpoints,
      // so the second lands where the reader's snapshot was.
      let moved = false;
      const writerMoves = (): void => {
        moved = true;
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < 5; i++) writer.insert(`m${round}-${i}`, row(more, DIM, round * 5 + i));
          void writer.checkpoint();
        }
        writer.insert('last', row(more, DIM, 19));
      };
      let readerOpens = 0;
      const racing = wrapBackend(inner, {
        async open(p, options) {
          const file = await inner.open(p, options);
          if (!options?.readOnly) return file;
          readerOpens++;
          return wrapFile(file, {
            read(offset, into) {
              if (!moved && offset >= 8192) writerMoves();
              return file.read(offset, into);
            },
          });
        },
      });
      const reader = await HnswIndex.open(path, { backend: racing, readOnly: true });
      expect(moved).toBe(true);
      expect(readerOpens).toBe(2);
      expect(reader.has('last')).toBe(true);
      expect(observe(reader)).toEqual(observe(writer));
      reader.close();
      writer.close();
    });

    it('a failure while creating a file leaves no file, or a whole empty index', async () => {
      const inner = await target.backend();
      for (let failAt = 1; failAt < 50; failAt++) {
        const path = target.path('create-fail');
        const failing = new FailingBackend(inner);
        failing.failAt = failAt;
        let index: HnswIndex | undefined;
        await HnswIndex.open(path, { ...CONFIG, backend: failing }).then((x) => (index = x), (err: unknown) => {
          expect((err as MemvecError).code).toBe('IO');
        });
        index?.close();
        if (index === undefined) {
          expect(await inner.exists(path)).toBe(false);
        } else {
          const again = await open(path);
          expect(again.size()).toBe(0);
          again.close();
        }
        expect(await inner.exists(`${path}.create.tmp`)).toBe(false);
        if (failing.calls < failAt) return;
      }
      throw new Error('creating a file took more than 50 storage calls');
    });

    it('updateMetadata and deleteMany: one committed record each, before they show; nothing logged when nothing changes', async () => {
      const backend = await target.backend();
      const path = target.path('meta-many');
      const index = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      const twin = await twinOf([]);
      const both = async (step: Step): Promise<unknown> => {
        await step(twin);
        return step(index);
      };
      await both((x) => x.batchInsert(entries(120, 'e', 61)));
      let h = await headerOf(backend, path);
      expect(await both((x) => x.deleteMany(['e1', 'e2', 'e3', 'e2', 'nope']))).toBe(3);
      let next = await headerOf(backend, path);
      expect([next.logRecords, next.sequence]).toEqual([h.logRecords + 1, h.sequence + 1]);
      h = next;
      await both((x) => x.updateMetadata('e4', { now: 'changed' }));
      next = await headerOf(backend, path);
      expect([next.logRecords, next.sequence]).toEqual([h.logRecords + 1, h.sequence + 1]);
      // Nothing to delete, or refused input: not a byte written.
      const bytes = await fileBytes(backend, path);
      expect(index.deleteMany(['nope', 'e1'])).toBe(0);
      expect(index.deleteMany([])).toBe(0);
      expectCode(() => index.deleteMany(['e5', 7 as never]), 'INVALID_ARGUMENT');
      expectCode(() => index.updateMetadata('nope', 1), 'UNKNOWN_ID');
      expectCode(() => index.updateMetadata('e5', 10n), 'INVALID_ARGUMENT');
      expect(await fileBytes(backend, path)).toEqual(bytes);
      expect(observe(index)).toEqual(observe(twin));
      expect(index.get('e4')!.metadata).toEqual({ now: 'changed' });
      expect(index.has('e5')).toBe(true);
      // stats: the file's size for a writer.
      expect(index.stats()).toMatchObject({ entries: 117, deletedSlots: 3, fileBytes: bytes.length });
      index.close();
      const again = await open(path);
      expect(observe(again)).toEqual(observe(twin));
      expect(again.get('e4')!.metadata).toEqual({ now: 'changed' });
      expect(Object.isFrozen(again.get('e4')!.metadata)).toBe(true);
      again.close();
      twin.close();
    });

    it('deleteMany(filter): one committed record, survives reopen; count(filter) agrees; a bad filter writes nothing', async () => {
      const backend = await target.backend();
      const path = target.path('delete-filter');
      const index = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      const twin = await twinOf([]);
      const both = async (step: Step): Promise<unknown> => {
        await step(twin);
        return step(index);
      };
      await both((x) => x.batchInsert(entries(120, 'e', 63)));
      await both((x) => x.updateMetadata('e5', { i: 5, tag: 'other' }));
      // entries(): metadata { i, tag: 'e✓' }, none for every 4th entry.
      const filter = { tag: 'e✓', $or: [{ i: { $lt: 30 } }, { i: { $gte: 100 } }] };
      const want = index.keys().filter((key) => {
        const m = index.get(key)!.metadata as { i: number; tag: string } | undefined;
        return m !== undefined && m.tag === 'e✓' && (m.i < 30 || m.i >= 100);
      });
      expect(want.length).toBeGreaterThan(20);
      expect(index.count(filter)).toBe(want.length);
      let h = await headerOf(backend, path);
      expect(await both((x) => x.deleteMany(filter))).toBe(want.length);
      let next = await headerOf(backend, path);
      expect([next.logRecords, next.sequence], 'one log record, one commit').toEqual([h.logRecords + 1, h.sequence + 1]);
      h = next;
      expect(index.count(filter)).toBe(0);
      for (const key of want) expect(index.has(key)).toBe(false);
      // Nothing matches any more, or a malformed filter: not a byte written.
      const bytes = await fileBytes(backend, path);
      expect(index.deleteMany(filter)).toBe(0);
      expectCode(() => index.deleteMany({ i: { $gt: 5, $between: [1, 2] } } as never), 'INVALID_ARGUMENT');
      expectCode(() => index.deleteMany({ $or: [] }), 'INVALID_ARGUMENT');
      expect(await fileBytes(backend, path)).toEqual(bytes);
      expect(observe(index)).toEqual(observe(twin));
      index.close();
      const again = await open(path);
      expect(observe(again)).toEqual(observe(twin));
      expect(again.count(filter)).toBe(0);
      expect(again.size()).toBe(120 - want.length);
      again.close();
      // A reader counts, but refuses deleteMany(filter) as every write.
      const reader = await open(path, { readOnly: true });
      expect(reader.count({ tag: 'e✓' })).toBe(twin.count({ tag: 'e✓' }));
      expectCode(() => reader.deleteMany({ tag: 'e✓' }), 'READ_ONLY');
      reader.close();
      twin.close();
    });

    it('a log record of a type this build does not know is UNSUPPORTED_VERSION, never misread', async () => {
      const backend = await target.backend();
      const path = target.path('unknown-record');
      const index = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      await index.batchInsert(entries(20, 'u', 62));
      await index.checkpoint();
      index.updateMetadata('u1', { v: 1 });
      index.close();
      const bytes = await fileBytes(backend, path);
      const { headers, newest } = slotsOf(bytes);
      const h = headers[newest]!;
      expect(h.logRecords).toBe(1);
      expect(bytes[h.logOffset + 8]).toBe(4); // the updateMetadata record's type
      // A well-formed record of type 9: its own CRC and the log's redone, so only the type is new.
      bytes[h.logOffset + 8] = 9;
      const body = bytes.subarray(h.logOffset + 8, h.logOffset + h.logLength);
      new DataView(bytes.buffer).setUint32(h.logOffset + 4, crc32(body), true);
      const logCrc = crc32(bytes.subarray(h.logOffset, h.logOffset + h.logLength));
      patchSlot(bytes, newest, (v) => v.setUint32(64, logCrc, true));
      const copy = target.path('unknown-record-copy');
      await writeBytes(backend, copy, bytes);
      await expectCodeAsync(() => open(copy), 'UNSUPPORTED_VERSION');
      await expectCodeAsync(() => open(copy, { readOnly: true }), 'UNSUPPORTED_VERSION');
    });

    it('open({ signal, onProgress }): bytes of the snapshot then the log; ABORTED leaves the file as it was and releases the lock', async () => {
      const backend = await target.backend();
      const path = target.path('progress');
      const index = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      await index.batchInsert(entries(300, 'p', 63));
      await index.checkpoint();
      for (let i = 0; i < 40; i++) index.insert(`q${i}`, row(QUERIES, DIM, i % 12), { i });
      const want = observe(index);
      index.close();
      const h = await headerOf(backend, path);
      const bytes = await fileBytes(backend, path);

      const seen: Array<[number, number]> = [];
      const again = await open(path, { onProgress: (done, total) => seen.push([done, total]) });
      expect(observe(again)).toEqual(want);
      again.close();
      expect(seen.length).toBeGreaterThan(3);
      const total = seen[0]![1];
      // The snapshot's sections (all of it but its 320-byte header and alignment) and then the whole log.
      expect(total).toBeLessThanOrEqual(h.snapshotLength - 320 + h.logLength);
      expect(total).toBeGreaterThan(h.snapshotLength - 320 - 64 + h.logLength);
      expect(seen.some(([done]) => done === total - h.logLength)).toBe(true);
      for (let i = 0; i < seen.length; i++) {
        expect(seen[i]![1]).toBe(total);
        if (i > 0) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
      }
      expect(seen.at(-1)![0]).toBe(total);
      expect(seen.some(([done]) => done > total - h.logLength && done < total)).toBe(true);

      for (const abortAt of [1, seen.length - 2]) {
        const controller = new AbortController();
        let calls = 0;
        await expectCodeAsync(() => open(path, {
          signal: controller.signal,
          onProgress: () => {
            if (++calls === abortAt) controller.abort();
          },
        }), 'ABORTED');
        expect(await fileBytes(backend, path)).toEqual(bytes);
        // The lock is free: a writer opens at once.
        const writer = await open(path);
        writer.close();
      }
      await expectCodeAsync(() => open(path, { signal: AbortSignal.abort() }), 'ABORTED');
      await expectCodeAsync(() => open(path, { readOnly: true, signal: AbortSignal.abort() }), 'ABORTED');
      // Nothing is created for an aborted open of a new path.
      const fresh = target.path('progress-new');
      await expectCodeAsync(() => open(fresh, { ...CONFIG, signal: AbortSignal.abort() }), 'ABORTED');
      expect(await backend.exists(fresh)).toBe(false);
      await expectCodeAsync(() => open(path, { onProgress: 5 as never }), 'INVALID_ARGUMENT');
      expect(await fileBytes(backend, path)).toEqual(bytes);
    });

    it('refresh(): a reader catches up with the writer, replaying only new records while the snapshot stays', async () => {
      const inner = await target.backend();
      let readBytesCount = 0;
      const counting = wrapBackend(inner, {
        async open(p, options) {
          const file = await inner.open(p, options);
          return wrapFile(file, {
            read(offset, into) {
              readBytesCount += into.length;
              return file.read(offset, into);
            },
          });
        },
      });
      const path = target.path('refresh');
      const writer = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      await writer.batchInsert(entries(400, 'r', 64));
      await writer.checkpoint();
      const reader = await HnswIndex.open(path, { backend: counting, readOnly: true });
      expect(observe(reader)).toEqual(observe(writer));
      const snapshotBytes = (await headerOf(inner, path)).snapshotLength;

      // Nothing new: false, and only the headers are read.
      readBytesCount = 0;
      expect(await reader.refresh()).toBe(false);
      expect(readBytesCount).toBeLessThan(1024);

      // New records: replayed alone (far fewer bytes than the snapshot), every kind of write.
      const more = clusteredVectors(30, DIM, 6, 65);
      writer.insert('n0', row(more, DIM, 0), { n: 0 });
      await writer.batchInsert(more.subarray(DIM), Array.from({ length: 29 }, (_, i) => `n${i + 1}`));
      writer.delete('r7');
      writer.deleteMany(['r8', 'r9', 'nope']);
      writer.updateMetadata('r10', { fresh: true });
      writer.insert('r11', row(more, DIM, 3)); // an upsert
      readBytesCount = 0;
      expect(reader.has('n0')).toBe(false);
      expect(await reader.refresh()).toBe(true);
      expect(readBytesCount).toBeLessThan(snapshotBytes / 4);
      expect(observe(reader)).toEqual(observe(writer));
      expect(reader.get('r10')!.metadata).toEqual({ fresh: true });
      expect([reader.has('r7'), reader.has('r8'), reader.has('n29')]).toEqual([false, false, true]);
      expect(reader.stats().fileBytes).toBe((await headerOf(inner, path)).fileSize);
      expect(await reader.refresh()).toBe(false);

      // A checkpoint writes a new snapshot: the reader reloads it whole.
      writer.insert('after-checkpoint', row(more, DIM, 4));
      await writer.checkpoint();
      writer.delete('r12');
      expect(await reader.refresh()).toBe(true);
      expect(observe(reader)).toEqual(observe(writer));
      expect(reader.has('after-checkpoint')).toBe(true);
      expect(reader.has('r12')).toBe(false);

      // The reader still refuses writes; the writer has nothing to refresh.
      expectCode(() => reader.insert('x', row(more, DIM, 5)), 'READ_ONLY');
      expectCode(() => reader.deleteMany(['r1']), 'READ_ONLY');
      expectCode(() => reader.updateMetadata('r1', 1), 'READ_ONLY');
      expect(await writer.refresh()).toBe(false);
      expect(await reader.refresh()).toBe(false);
      // Concurrent refreshes share one.
      writer.insert('concurrent', row(more, DIM, 6));
      const [a, b] = await Promise.all([reader.refresh(), reader.refresh()]);
      expect([a, b]).toEqual([true, true]);
      expect(reader.has('concurrent')).toBe(true);
      // One that starts while another replays a batch shares it too. The replayed batch yields to the
      // event loop as it goes (and writes then say LOCKED, not READ_ONLY): that is when to ask.
      await writer.batchInsert(entries(3000, 'late', 69));
      let settled = false;
      const first = reader.refresh().finally(() => {
        settled = true;
      });
      let second: Promise<boolean> | undefined;
      while (!settled && second === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        try {
          reader.insert('x', row(more, DIM, 5));
        } catch (err) {
          if ((err as MemvecError).code === 'LOCKED') second = reader.refresh();
        }
      }
      expect(second).toBeDefined();
      expect(await Promise.all([first, second])).toEqual([true, true]);
      expect(reader.has('late2999')).toBe(true);

      // The writer compacts: a new, smaller file renamed over the path. The reader reloads it.
      writer.deleteMany(['r20', 'r21', 'r22']);
      expect((await writer.compact()).reclaimed).toBeGreaterThan(0);
      expect(await reader.refresh()).toBe(true);
      expect(observe(reader)).toEqual(observe(writer));
      expect(reader.stats().deletedSlots).toBe(0);
      expect(await reader.refresh()).toBe(false);
      // And follows the compacted file's later commits, record by record.
      writer.insert('after-compact', row(more, DIM, 7));
      readBytesCount = 0;
      expect(await reader.refresh()).toBe(true);
      expect(readBytesCount).toBeLessThan(snapshotBytes / 4);
      expect(observe(reader)).toEqual(observe(writer));

      // The path now holds another index file (a rename by someone else): the reader reloads it.
      writer.close();
      const other = target.path('refresh-other');
      const replacement = await open(other, CONFIG);
      await replacement.batchInsert(entries(50, 'z', 66));
      const wantOther = observe(replacement);
      replacement.close();
      await inner.rename(other, path);
      expect(await reader.refresh()).toBe(true);
      expect(observe(reader)).toEqual(wantOther);
      expect(reader.has('r1')).toBe(false);
      reader.close();
      await expectCodeAsync(() => reader.refresh(), 'CLOSED');
    });

    it('refresh() racing a writer\'s checkpoints starts over and sees a whole commit; a failed refresh changes nothing', async () => {
      const inner = await target.backend();
      const path = target.path('refresh-race');
      const writer = await open(path, { ...CONFIG, checkpointLogBytes: Infinity });
      await writer.batchInsert(entries(200, 'a', 67));
      await writer.checkpoint();
      const more = clusteredVectors(20, DIM, 6, 68);
      let armed = false;
      let moved = false;
      let fail = false;
      const racing = wrapBackend(inner, {
        async open(p, options) {
          const file = await inner.open(p, options);
          return wrapFile(file, {
            read(offset, into) {
              if (fail && offset >= 8192) throw new MemvecError('IO', 'injected read failure');
              if (armed && !moved && offset >= 8192) {
                // The writer's moves the moment the reader reads past the headers: two checkpoints, so
                // the second lands where the snapshot the reader is loading was.
                moved = true;
                for (let round = 0; round < 2; round++) {
                  for (let i = 0; i < 5; i++) writer.insert(`m${round}-${i}`, row(more, DIM, round * 5 + i));
                  void writer.checkpoint();
                }
                writer.insert('last', row(more, DIM, 19));
              }
              return file.read(offset, into);
            },
          });
        },
      });
      const reader = await HnswIndex.open(path, { backend: racing, readOnly: true });
      writer.insert('first', row(more, DIM, 10));
      await writer.checkpoint();
      armed = true;
      expect(await reader.refresh()).toBe(true);
      expect(moved).toBe(true);
      expect(reader.has('last')).toBe(true);
      expect(observe(reader)).toEqual(observe(writer));

      // A storage failure while reloading leaves the reader as it was, and a later refresh succeeds.
      const before = observe(reader);
      writer.insert('later', row(more, DIM, 11));
      await writer.checkpoint();
      fail = true;
      await expectCodeAsync(() => reader.refresh(), 'IO');
      expect(observe(reader)).toEqual(before);
      fail = false;
      expect(await reader.refresh()).toBe(true);
      expect(observe(reader)).toEqual(observe(writer));
      reader.close();
      writer.close();
    });

    it('wrong files: the error names the path and says what the file is', async () => {
      const backend = await target.backend();
      const vectors = target.path('vectors');
      (await MemMapVector.open(vectors, { dimension: DIM, backend })).close();
      const snapshot = target.path('snap');
      const plain = await twinOf([(x) => x.insert('a', row(QUERIES, DIM, 0))]);
      await plain.save(snapshot, { backend });
      plain.close();
      const indexPath = target.path('index');
      (await open(indexPath, CONFIG)).close();
      const empty = target.path('empty-file');
      const foreign = target.path('foreign');
      for (const [path, bytes] of [[empty, new Uint8Array(0)], [foreign, new TextEncoder().encode('PK\x03\x04 a zip, not an index'.padEnd(20000, '.'))]] as const) {
        const file = await backend.open(path, { create: true });
        file.write(0, bytes);
        file.sync();
        file.close();
      }
      const message = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          expect((err as MemvecError).code).toBe('CORRUPT_FILE');
          return (err as Error).message;
        }
        throw new Error('expected CORRUPT_FILE');
      };
      expect(await message(() => open(vectors))).toBe(`${vectors} is a memvec vector file (open it with MemMapVector.open), not a persistent HNSW index`);
      expect(await message(() => HnswIndex.load(vectors, { backend }))).toBe(`${vectors} is a memvec vector file (open it with MemMapVector.open), not an HNSW snapshot`);
      expect(await message(() => open(snapshot))).toBe(`${snapshot} is a memvec HNSW snapshot (load it with HnswIndex.load), not a persistent HNSW index`);
      expect(await message(() => HnswIndex.load(indexPath, { backend }))).toBe(`${indexPath} is a persistent memvec HNSW index (open it with HnswIndex.open), not an HNSW snapshot`);
      expect(await message(() => MemMapVector.open(indexPath, { backend }))).toBe(`${indexPath} is a persistent memvec HNSW index (open it with HnswIndex.open), not a memvec vector file`);
      expect(await message(() => MemMapVector.open(snapshot, { backend }))).toBe(`${snapshot} is a memvec HNSW snapshot (load it with HnswIndex.load), not a memvec vector file`);
      for (const fn of [() => open(empty), () => HnswIndex.load(empty, { backend }), () => MemMapVector.open(empty, { backend })]) {
        expect((await message(fn)).startsWith(`${empty} is empty (expected `)).toBe(true);
      }
      for (const fn of [() => open(foreign), () => HnswIndex.load(foreign, { backend }), () => MemMapVector.open(foreign, { backend })]) {
        expect(await message(fn)).toContain(`${foreign} is not a memvec file: it starts with "PK\\x03\\x04 a z" (expected `);
      }
    });

    it('index.backend names the backend of an opened index; an in-memory one has none (null)', async () => {
      const path = target.path('backend-name');
      const index = await open(path, CONFIG);
      expect(index.backend).toBe(target.name);
      index.close();
      const reader = await open(path, { readOnly: true });
      expect(reader.backend).toBe(target.name);
      reader.close();
      const memoryOnly = await HnswIndex.create(CONFIG);
      expect(memoryOnly.backend).toBeNull();
      const saved = target.path('backend-name-snap');
      await memoryOnly.save(saved, { backend: await target.backend() });
      expect((await HnswIndex.load(saved, { backend: await target.backend() })).backend).toBeNull();
    });

    it('Symbol.dispose and Symbol.asyncDispose close the index and release its file', async () => {
      const path = target.path('dispose');
      for (const dispose of [(x: HnswIndex) => x[Symbol.dispose](), (x: HnswIndex) => x[Symbol.asyncDispose]()] as const) {
        const index = await open(path, CONFIG);
        index.insert(`k${Math.random()}`, row(QUERIES, DIM, 0));
        await dispose(index);
        expectCode(() => index.size(), 'CLOSED');
        // The lock went with it: a new writer gets the file.
        (await open(path)).close();
      }
      {
        // What `using` (as tsc emits it for Node 20) does at the end of the block.
        using index = await open(path);
        expect(index.size()).toBe(2);
      }
      (await open(path)).close();
    });

    it('an empty index reopens empty; metadata and vectors come back as stored', async () => {
      const path = target.path('empty');
      (await open(path, { ...CONFIG, metric: 'dot' })).close();
      const empty = await open(path);
      expect(empty.size()).toBe(0);
      expect(empty.metric).toBe('dot');
      expect(empty.search(row(QUERIES, DIM, 0), 3)).toEqual([]);
      empty.insert('k', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { nested: { list: [1, 'two', null] }, '1': 'int-like key' });
      empty.close();
      const again = await open(path);
      const got = again.get('k')!;
      expect(Array.from(got.vector)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(got.metadata).toEqual({ nested: { list: [1, 'two', null] }, '1': 'int-like key' });
      expect(Object.isFrozen(got.metadata)).toBe(true);
      again.close();
    });
  });
}
