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
import type { Engine } from '../engine/engine.js';
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
   * twice (measured 14-28% faster than 32 MiB steps on this project's benchmark machine).
   */
  batchSize?: number;
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

export class FlatScanner {
  private readonly dimension: number;
  private readonly query: WasmBuffer;
  /** The query as an i8 code, for i8 stores. */
  private readonly queryCode: WasmBuffer;
  private readonly scratch: WasmBuffer;
  private readonly ids: WasmBuffer;
  private readonly out: WasmBuffer;
  private readonly scan: FlatScan;

  constructor(
    engine: Engine,
    private readonly layout: RowLayout,
  ) {
    this.dimension = elementCount(layout.rowBytes);
    this.scan = new FlatScan(engine);
    this.query = new WasmBuffer(engine, 'the query');
    this.queryCode = new WasmBuffer(engine, 'the query code');
    this.scratch = new WasmBuffer(engine, 'the scan buffer');
    this.ids = new WasmBuffer(engine, 'the id list');
    this.out = new WasmBuffer(engine, 'the results');
    this.query.ensure(layout.rowBytes);
  }

  /** Cosine top-k over every live row; best first, ties by lower id. */
  searchAll(source: ScanSource, query: ArrayLike<number>, options: CosineSearchOptions, rerank: number): SearchResult[] {
    const p = this.prepare(query, options, rerank);
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
  private finish(source: ScanSource, p: ReturnType<FlatScanner['prepare']>): SearchResult[] {
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
    const { codeBytes } = this.layout;
    const view = this.scratch.view().subarray(at * codeBytes, (at + run.count) * codeBytes);
    if (source.file.read(this.layout.codeOffset(run.first), view) !== view.length) {
      throw new MemvecError('CORRUPT_FILE', `${source.path} ends inside its vectors`);
    }
  }
}
