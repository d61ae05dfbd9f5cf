/**
 * The exact search of a MemMapVector file: streams its rows through a cache-sized scratch region in
 * WASM memory, where the SIMD scan feeds the engine's top-k heap. The scratch region is all the memory
 * a search needs, however large the file, which is what lets one machine scan files larger than RAM.
 *
 * A quantized file (f16, i8) is searched in two passes: the scan reads only the codes and keeps the
 * best topK × rerank candidates, then those candidates' f32 originals are read by id and rescored by
 * the f32 scan itself, so every returned score is the one an f32 store computes, minScore applies to
 * it, and ties go to the lower id as always.
 */
import { elementCount, F32, I8 } from '../engine/element-type.js';
import { type Engine, JOBS } from '../engine/engine.js';
import type { Gang } from '../threads/gang.js';
import { FlatScan } from '../engine/flat-scan.js';
import { WasmBuffer } from '../engine/wasm-buffer.js';
import { MemvecError } from '../errors.js';
import type { RowLayout, RowRun } from '../format/flat-layout.js';
import { MAX_EXACT_RERANK, MAX_TOP_K } from '../limits.js';
import type { StorageFile } from '../storage/types.js';
import { checkInt, checkNumber, toVector } from '../validate.js';

export interface CosineSearchOptions {
  /** How many results at most (default 10). */
  topK?: number;
  /** Only results with cosine similarity >= minScore (default 0). */
  minScore?: number;
  /**
   * f16 and i8 stores: how many candidates per result the scan of codes keeps for the exact rescoring
   * (topK × rerank of them). Default: the store's (MemMapVectorOptions.rerank). Ignored by f32 stores,
   * whose scan is exact already.
   */
  rerank?: number;
  /**
   * Vectors read per step of the scan. Default: as many as fit in 256 KiB (at least one); for f16 and
   * i8, one segment's codes (flat-layout.ts). The scratch
   * region in WASM memory is this many vectors, whatever the size of the file. A buffer that stays in
   * the CPU cache is the fast choice: bytes are copied into it and read back from cache, not from DRAM
   * twice (measured 14-28% faster than 32 MiB steps on this project's benchmark machine). A search
   * on several threads reads 2 MiB blocks instead.
   */
  batchSize?: number;
  /** This search's threads (at most the store's MemMapVectorOptions.threads). */
  threads?: number;
}

export type SearchResult = [id: number, score: number];

/** What a scan reads: the file, how many rows it holds, and the deletion bitmap in engine memory. */
export interface ScanSource {
  file: StorageFile;
  path: string;
  count: number;
  deletedBits: number;
}

const DEFAULT_SCAN_BYTES = 256 << 10;
/** A file goes parallel from this many bytes of codes: below, waking the workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 4 << 20;
/** A parallel scan reads blocks of this many bytes (two buffers: one read while the other is scanned). */
const PARALLEL_BLOCK_BYTES = 2 << 20;
/** Rows are claimed in runs of this many bytes. */
const PARALLEL_STEP_BYTES = 64 << 10;
const JOB_SCAN = JOBS.indexOf('flatScanPart');
const JOB_READ_SCAN = JOBS.indexOf('readScan');

type Prepared = ReturnType<FlatScanner['prepare']>;

export class FlatScanner {
  private readonly dimension: number;
  private readonly query: WasmBuffer;
  /** The query as an i8 code, for i8 stores. */
  private readonly queryCode: WasmBuffer;
  private readonly scratch: WasmBuffer;
  private readonly ids: WasmBuffer;
  private readonly out: WasmBuffer;
  private readonly scan: FlatScan;
  /** A parallel scan's second block buffer, its claim counter, and the workers' heaps (u32 table, index t). */
  private readonly second: WasmBuffer;
  private readonly claim: WasmBuffer;
  private readonly heaps: WasmBuffer;
  /** scanParallelReads' run table (16 bytes a run) and its table of per-thread buffers. */
  private readonly runTable: WasmBuffer;
  private readonly bufferTable: WasmBuffer;

  constructor(
    private readonly engine: Engine,
    private readonly layout: RowLayout,
  ) {
    this.dimension = elementCount(layout.rowBytes);
    this.scan = new FlatScan(engine);
    this.query = new WasmBuffer(engine, 'the query');
    this.queryCode = new WasmBuffer(engine, 'the query code');
    this.scratch = new WasmBuffer(engine, 'the scan buffer');
    this.ids = new WasmBuffer(engine, 'the id list');
    this.out = new WasmBuffer(engine, 'the results');
    this.second = new WasmBuffer(engine, 'the scan buffer');
    this.claim = new WasmBuffer(engine, 'a parallel scan');
    this.heaps = new WasmBuffer(engine, 'the threads\' results');
    this.runTable = new WasmBuffer(engine, 'a parallel scan');
    this.bufferTable = new WasmBuffer(engine, 'a parallel scan');
    this.query.ensure(layout.rowBytes);
  }

  /** Cosine top-k over every live row; best first, ties by lower id. On `threads` threads when the file is large. */
  searchAll(source: ScanSource, query: ArrayLike<number>, options: CosineSearchOptions, rerank: number, threads = 1): SearchResult[] {
    const p = this.prepare(query, options, rerank);
    const gang = source.count * this.layout.codeBytes >= PARALLEL_MIN_BYTES ? this.engine.workers(threads) : null;
    if (gang !== null) {
      const fd = source.file.readFd;
      if (fd !== undefined && gang.readsFiles) this.scanParallelReads(source, p, gang, threads, fd);
      else this.scanParallel(source, p, gang, threads);
      return this.finish(source, p);
    }
    const { codeBytes } = this.layout;
    const rows = Math.max(1, Math.min(p.batch, source.count));
    const scratch = this.scratch.ensure(rows * codeBytes);
    for (const run of this.layout.runs(0, source.count, rows)) {
      this.readCodes(source, run, 0);
      if (p.kind === F32.id) this.scan.scanRange(this.query.ptr, p.queryNorm, scratch, run.count, this.dimension, run.first, source.deletedBits);
      else this.scan.scanCodes(p.kind, p.codeQuery, scratch, run.count, this.dimension, run.first, source.deletedBits);
    }
    return this.finish(source, p);
  }

  /** Cosine top-k over the rows in `sortedIds` (distinct, ascending, all < count); deleted ones are skipped. */
  searchIds(
    source: ScanSource, sortedIds: number[], query: ArrayLike<number>, options: CosineSearchOptions, rerank: number,
  ): SearchResult[] {
    const p = this.prepare(query, options, rerank);
    const rows = Math.max(1, Math.min(p.batch, sortedIds.length));
    const scratch = this.scratch.ensure(rows * this.layout.codeBytes);
    const idsPtr = this.ids.ensure(rows * 4);
    for (let start = 0; start < sortedIds.length; start += rows) {
      const n = Math.min(rows, sortedIds.length - start);
      this.scan.writeIds(idsPtr, sortedIds.slice(start, start + n));
      // Runs of consecutive ids (within a segment) are read with one call.
      for (let i = 0; i < n; ) {
        let j = i + 1;
        while (j < n && sortedIds[start + j] === sortedIds[start + j - 1]! + 1) j++;
        for (const run of this.layout.runs(sortedIds[start + i]!, j - i)) this.readCodes(source, run, i + run.first - sortedIds[start + i]!);
        i = j;
      }
      if (p.kind === F32.id) this.scan.scanIds(this.query.ptr, p.queryNorm, scratch, idsPtr, n, this.dimension, source.deletedBits);
      else this.scan.scanCodesIds(p.kind, p.codeQuery, scratch, idsPtr, n, this.dimension, source.deletedBits);
    }
    return this.finish(source, p);
  }

  /**
   * The scan of searchAll on several threads where the file has a descriptor (readFd): every thread
   * claims runs of rows (cache-sized, within a segment), reads each into a buffer of its own (this
   * thread through the backend, a worker with pread on the descriptor, worker-source.ts readScan) and
   * scans it into a heap of its own, merged into this thread's at the end. Copying the rows out of the
   * file is most of a scan's time, and here every thread does its share of it.
   */
  private scanParallelReads(source: ScanSource, p: Prepared, gang: Gang, threads: number, fd: number): void {
    const { codeBytes } = this.layout;
    const workers = Math.min(threads - 1, gang.ready);
    const heapsAt = this.workerHeaps(workers, p);
    const rows = Math.max(1, Math.floor(DEFAULT_SCAN_BYTES / codeBytes));
    const runs = this.layout.runs(0, source.count, rows);
    // Everything below is allocated before any view is taken.
    const runsAt = this.runTable.ensure(runs.length * 16);
    const buffersAt = this.bufferTable.ensure((workers + 1) * 4);
    const scratch = this.second.ensure((workers + 1) * rows * codeBytes);
    const claim = this.claim.ensure(4 + (workers + 1) * 4);
    const { u32, f64 } = this.engine;
    runs.forEach((run, i) => {
      f64[(runsAt >>> 3) + 2 * i] = this.layout.codeOffset(run.first);
      u32[(runsAt >>> 2) + 4 * i + 2] = run.first;
      u32[(runsAt >>> 2) + 4 * i + 3] = run.count;
    });
    for (let t = 0; t <= workers; t++) u32[(buffersAt >>> 2) + t] = scratch + t * rows * codeBytes;
    u32.fill(0, claim >>> 2, (claim >>> 2) + workers + 2);
    const query = p.kind === F32.id ? this.query.ptr : p.codeQuery;
    gang.post(JOB_READ_SCAN, workers, [fd, runsAt, runs.length, claim, buffersAt, heapsAt, p.kind, query, p.queryNorm, this.dimension, source.deletedBits, codeBytes]);
    let failed: unknown = null;
    try {
      // This thread's share: the same loop as readScan's, reading through the backend.
      const own = claim + 4;
      // Nothing in the loop allocates, so this view of memory stays valid.
      const words = new Int32Array(this.engine.u32.buffer);
      for (;;) {
        const i = Atomics.add(words, claim >>> 2, 1);
        if (i >= runs.length) break;
        const run = runs[i]!;
        this.readCodesInto(source, run, scratch);
        this.engine.u32[own >>> 2] = 0;
        this.scan.scanPart(0, own, p.kind, query, p.queryNorm, scratch, run.count, this.dimension, run.first, source.deletedBits, run.count);
      }
    } catch (err) {
      failed = err;
    }
    const results = gang.join();
    if (failed !== null) throw failed;
    if (results.some((r) => r !== 0)) throw new MemvecError('CORRUPT_FILE', `${source.path} ends inside its vectors`);
    for (let t = 1; t <= workers; t++) this.scan.mergeHeap(this.engine.u32[(heapsAt >>> 2) + t]!);
  }

  /** A heap per worker (made once, kept), each reset for this search; returns the u32 table of them (index t). */
  private workerHeaps(workers: number, p: Prepared): number {
    const kept = p.kind === F32.id ? p.topK : p.candidates;
    const heapsAt = this.heaps.ensure((workers + 1) * 4, true);
    for (let t = 1; t <= workers; t++) {
      if (this.engine.u32[(heapsAt >>> 2) + t] === 0) this.engine.u32[(heapsAt >>> 2) + t] = this.scan.newHeap();
      this.scan.resetHeap(this.engine.u32[(heapsAt >>> 2) + t]!, kept, p.kind === F32.id ? p.minScore : -Infinity);
    }
    return this.heaps.ptr;
  }

  /**
   * The scan of searchAll on several threads. This thread reads the file in blocks into one of two
   * buffers while the workers scan the other; then it scans what is left of that block with them
   * (rows are claimed in runs from a counter, so the thread that finished its reading takes more).
   * Each worker keeps its own heap, merged into this thread's at the end: the results are exactly the
   * single-threaded scan's.
   */
  private scanParallel(source: ScanSource, p: Prepared, gang: Gang, threads: number): void {
    const { codeBytes } = this.layout;
    const workers = Math.min(threads - 1, gang.ready);
    const heapsAt = this.workerHeaps(workers, p);
    const rows = Math.max(1, Math.min(source.count, Math.floor(PARALLEL_BLOCK_BYTES / codeBytes)));
    const step = Math.max(1, Math.floor(PARALLEL_STEP_BYTES / codeBytes));
    const buffers = [this.scratch.ensure(rows * codeBytes), this.second.ensure(rows * codeBytes)];
    const claim = this.claim.ensure(4);
    const query = p.kind === F32.id ? this.query.ptr : p.codeQuery;
    const runs = this.layout.runs(0, source.count, rows);
    if (runs.length > 0) this.readCodesInto(source, runs[0]!, buffers[0]!);
    for (let i = 0; i < runs.length; i++) {
      const { first, count } = runs[i]!;
      const block = buffers[i & 1]!;
      this.engine.u32[claim >>> 2] = 0;
      gang.post(JOB_SCAN, workers, [heapsAt, claim, p.kind, query, p.queryNorm, block, count, this.dimension, first, source.deletedBits, step]);
      try {
        if (i + 1 < runs.length) this.readCodesInto(source, runs[i + 1]!, buffers[(i + 1) & 1]!);
        this.scan.scanPart(heapsAt, claim, p.kind, query, p.queryNorm, block, count, this.dimension, first, source.deletedBits, step);
      } finally {
        gang.join();
      }
    }
    for (let t = 1; t <= workers; t++) this.scan.mergeHeap(this.engine.u32[(heapsAt >>> 2) + t]!);
  }

  /** Checks the query and options, copies the query into WASM memory and resets the top-k heap. */
  private prepare(query: ArrayLike<number>, options: CosineSearchOptions, defaultRerank: number) {
    const q = toVector(query, this.dimension, 'query');
    const topK = checkInt(options.topK ?? 10, 'topK', 1, MAX_TOP_K);
    const minScore = checkNumber(options.minScore ?? 0, 'minScore');
    const rerank = checkInt(options.rerank ?? defaultRerank, 'rerank', 1, MAX_EXACT_RERANK);
    const kind = this.layout.type.id;
    const defaultBatch = this.layout.quantized ? this.layout.segmentRows : Math.max(1, Math.floor(DEFAULT_SCAN_BYTES / this.layout.rowBytes));
    const batch = checkInt(options.batchSize ?? defaultBatch, 'batchSize', 1);
    // The scan's heap keeps the candidates: every row competes (minScore is for the exact scores).
    const candidates = kind === F32.id ? topK : Math.min(MAX_TOP_K, topK * rerank);
    this.out.ensure(candidates * 8);
    this.scan.writeVector(this.query.ptr, q);
    const queryNorm = this.scan.norm(this.query.ptr, this.dimension);
    if (queryNorm === 0) throw new MemvecError('INVALID_VECTOR', 'the query is all zeros: cosine similarity is undefined');
    let codeQuery = this.query.ptr;
    if (kind === I8.id) {
      codeQuery = this.queryCode.ensure(this.scan.queryCodeI8Bytes(this.dimension));
      this.scan.encodeQueryI8(this.query.ptr, codeQuery, this.dimension);
    }
    if (kind === F32.id) this.scan.resetTopK(topK, minScore);
    else this.scan.resetTopK(candidates, -Infinity);
    return { topK, minScore, batch, queryNorm, kind, codeQuery, candidates };
  }

  /** The results: the heap's as they are (f32), or the candidates rescored with their f32 originals. */
  private finish(source: ScanSource, p: Prepared): SearchResult[] {
    if (p.kind === F32.id) return this.scan.drainTopK(this.out.ptr, p.topK);
    const ids = this.scan.drainTopK(this.out.ptr, p.candidates).map(([id]) => id).sort((a, b) => a - b);
    this.scan.resetTopK(p.topK, p.minScore);
    const { rowBytes } = this.layout;
    const rows = Math.max(1, Math.min(ids.length, Math.floor(this.scratch.bytes / rowBytes)));
    const scratch = this.scratch.ensure(rows * rowBytes);
    const idsPtr = this.ids.ensure(rows * 4);
    for (let start = 0; start < ids.length; start += rows) {
      const n = Math.min(rows, ids.length - start);
      const chunk = ids.slice(start, start + n);
      this.scan.writeIds(idsPtr, chunk);
      const view = this.scratch.view();
      chunk.forEach((id, i) => {
        const into = view.subarray(i * rowBytes, (i + 1) * rowBytes);
        if (source.file.read(this.layout.originalOffset(id), into) !== rowBytes) {
          throw new MemvecError('CORRUPT_FILE', `${source.path} ends inside its vectors`);
        }
      });
      // The f32 scan itself: the same scores an f32 store gives these rows, into the same heap.
      this.scan.scanIds(this.query.ptr, p.queryNorm, scratch, idsPtr, n, this.dimension, source.deletedBits);
    }
    return this.scan.drainTopK(this.out.ptr, p.topK);
  }

  /** Reads the codes of `run` (one segment's, consecutive) into the scratch buffer at row `at`. */
  private readCodes(source: ScanSource, run: RowRun, at: number): void {
    this.readCodesInto(source, run, this.scratch.ptr + at * this.layout.codeBytes);
  }

  /** Reads the codes of `run` into engine memory at `ptr`. */
  private readCodesInto(source: ScanSource, run: RowRun, ptr: number): void {
    const { codeBytes } = this.layout;
    const view = this.engine.u8.subarray(ptr, ptr + run.count * codeBytes);
    if (source.file.read(this.layout.codeOffset(run.first), view) !== view.length) {
      throw new MemvecError('CORRUPT_FILE', `${source.path} ends inside its vectors`);
    }
  }
}
