/**
 * MemMapVector: the exact store. Vectors live in one file (see src/format/flat-header.ts for the
 * layout and the commit protocol); this class owns the file, its commits and its deletion bitmap, and
 * searches through FlatScanner (src/flat/scanner.ts), which streams the file through a fixed scratch
 * region in WASM memory, so memory use stays flat however large the file is. With `quantization` 'f16'
 * or 'i8' the file also holds a code of each vector (format/flat-layout.ts): the scan reads only codes,
 * and its best candidates are rescored with the f32 originals, so results stay exact in their scores.
 *
 * Every write is durable when the call returns. Bad input throws before anything is written. If the
 * storage itself fails after a commit has begun, the outcome on disk is either the old or the new
 * state, never a mix; the store then closes itself, because it can no longer tell which.
 */
import { elementType, F32, type Quantization, QUANTIZATIONS } from './engine/element-type.js';
import { Engine } from './engine/engine.js';
import { WasmBuffer } from './engine/wasm-buffer.js';
import { MemvecError } from './errors.js';
import { crc32 } from './format/crc32.js';
import {
  bitmapBytes,
  encodeFlatHeader,
  type FlatHeader,
  layoutOf,
  MAX_VECTORS,
} from './format/flat-header.js';
import type { RowLayout } from './format/flat-layout.js';
import { CommittedFile } from './format/committed-file.js';
import { racedACommit } from './format/header-slots.js';
import { createFile, popcount8, readHeader, writeFreshHeader } from './flat/flat-file.js';
import { outgrows, planRegion, type RegionPlan, regionEnd } from './flat/region-plan.js';
import { type CosineSearchOptions, FlatScanner, type ScanSource, type SearchResult } from './flat/scanner.js';
import { RowWriter } from './flat/row-writer.js';
import { yieldToEventLoop } from './hnsw/time.js';
import { MAX_DIMENSION, MAX_EXACT_RERANK, MAX_THREADS } from './limits.js';
import type { LongWorkOptions } from './long-work.js';
import { ensureDisposeSymbols } from './runtime/dispose-symbols.js';
import { openOrCreate } from './storage/open-or-create.js';
import { type BackendChoice, resolveBackend } from './storage/select.js';
import type { BackendName, StorageBackend, StorageFile, WriterLock } from './storage/types.js';
import { checkChoice, checkInt, checkOptionKeys, checkSignal, describe, optionNames, toBatch } from './validate.js';

export type { CosineSearchOptions, LongWorkOptions, Quantization, SearchResult };

// Before the class body below reads Symbol.dispose.
ensureDisposeSymbols();

export interface MemMapVectorOptions {
  /** Dimension for a new file (default 512). For an existing file it may be omitted; if given it must match. */
  dimension?: number;
  /** A backend name or instance; default: the runtime's (mmap or node:fs in Node and Bun). */
  backend?: BackendChoice;
  /** Open without writing: every write throws READ_ONLY. */
  readOnly?: boolean;
  /**
   * How a NEW store keeps its vectors (stored in its header; an existing file keeps its own, and a
   * different value here is INVALID_ARGUMENT). 'f32' (default): as given. 'f16' and 'i8': the search
   * scans compact codes (half floats; or 8-bit codes over each vector's own min..max range, so nothing
   * is clamped) and rescores its best candidates with the f32 originals, which the file also keeps, so
   * returned scores and getVectorByVectorId are exact. f16 clamps magnitudes past 65504 in its codes
   * (only the candidate choice sees that; the rescoring uses the originals).
   */
  quantization?: Quantization;
  /** f16 and i8: the default of CosineSearchOptions.rerank for this handle (see DEFAULT_RERANK). */
  rerank?: number;
  /**
   * How many threads a search of a large file (4 MiB of codes and up) scans on, the calling thread
   * included. Default: every core this process may use (engineInfo().threads); 1 scans on the calling
   * thread alone. Where threads are unavailable it is always 1. The workers start with the first large
   * search, which itself runs on the calling thread; the results are the same on any number of threads.
   */
  threads?: number;
}


export interface MemMapVectorStats {
  /** Vectors in the file, deleted ones included (the next id is this number). */
  totalVectors: number;
  validVectors: number;
  deletedVectors: number;
  fileSize: number;
  /** Bytes of live vectors over the file size. */
  spaceUtilization: number;
  /** Bytes that compact() would give back. */
  reclaimableBytes: number;
  deletedIds: number[];
  /** The store's element kind. */
  quantization: Quantization;
  /** Bytes one vector takes in the file: 4·d for f32; its code plus its f32 original for f16 and i8. */
  bytesPerVector: number;
}

const OPEN_OPTIONS = optionNames<MemMapVectorOptions>()(['dimension', 'backend', 'readOnly', 'quantization', 'rerank', 'threads']);
const LONG_WORK_OPTIONS = optionNames<LongWorkOptions>()(['signal', 'onProgress']);
const SEARCH_OPTIONS = optionNames<CosineSearchOptions>()(['topK', 'minScore', 'batchSize', 'rerank', 'threads']);

/**
 * Candidates per result that an f16 or i8 search rescores exactly: the smallest factor whose recall@10
 * against the f32 store was >= 0.99 on every set measured (bench/sections/exact.mjs, exact-quantized;
 * test/memmap-quantized-recall.test.ts): at R = 1, i8 reaches only 0.970 (clustered 1M × 512), 0.975
 * (clustered 100k × 512), 0.977 (clustered normalized 20k × 256) and 0.993 (siftsmall normalized), f16
 * 0.995 to 1.0; at R = 2, both 1.0 on all of them. The rescoring reads topK × R originals by id: cheap
 * next to the scan.
 */
export const DEFAULT_RERANK = 2;

const DEFAULT_DIMENSION = 512;
/** A reader racing a writer's commits may read a bitmap as it is overwritten: it tries again. */
const READER_ATTEMPTS = 4;

const COPY_CHUNK_BYTES = 8 << 20;

/** An id must be an integer; whether the store holds it is each caller's question. */
function checkIdShape(id: unknown): void {
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new MemvecError('INVALID_ARGUMENT', `${describe(id)} is not a vector id`);
}

function isAllZero(data: Float32Array, start: number, dim: number): boolean {
  for (let j = start; j < start + dim; j++) if (data[j] !== 0) return false;
  return true;
}

export class MemMapVector implements Disposable, AsyncDisposable {
  /** The file, its committed header and the writer lock (format/committed-file.ts). */
  private readonly disk: CommittedFile<FlatHeader>;
  /** Where each row's code and f32 original live (fixed for the file's life, compaction included). */
  private readonly layout: RowLayout;
  private readonly rows: RowWriter;
  /** The committed deletion bitmap in WASM memory (a reader's refresh swaps in a new one). */
  private bitmap: WasmBuffer;
  private readonly scanner: FlatScanner;

  private constructor(
    private readonly storage: StorageBackend,
    readonly path: string,
    file: StorageFile,
    header: FlatHeader,
    slot: number,
    private readonly engine: Engine,
    readonly readOnly: boolean,
    /** A writer's hold on its path (storage/lock-file.ts), kept across compaction's rename. */
    lock: WriterLock | null,
    private readonly rerank: number,
  ) {
    this.disk = new CommittedFile({ backend: storage, path, file, header, slot, lock, noun: 'store', encode: encodeFlatHeader });
    this.layout = layoutOf(header);
    this.rows = new RowWriter(engine, this.layout);
    this.bitmap = new WasmBuffer(engine, 'the deletion bitmap');
    this.scanner = new FlatScanner(engine, this.layout);
  }

  /** Opens the store at `path`, creating it if it does not exist (unless readOnly). */
  static async open(path: string, options?: MemMapVectorOptions): Promise<MemMapVector> {
    if (typeof path !== 'string' || path.length === 0) {
      throw new MemvecError('INVALID_ARGUMENT', `path must be a non-empty string, got ${describe(path)}`);
    }
    options = checkOptionKeys(options, OPEN_OPTIONS, 'MemMapVector.open options');
    const wanted = options.dimension === undefined ? undefined : checkInt(options.dimension, 'dimension', 1, MAX_DIMENSION);
    const readOnly = options.readOnly ?? false;
    if (typeof readOnly !== 'boolean') throw new MemvecError('INVALID_ARGUMENT', `readOnly must be a boolean, got ${describe(readOnly)}`);
    const quantization = options.quantization === undefined ? undefined : checkChoice(options.quantization, 'quantization', QUANTIZATIONS);
    const rerank = checkInt(options.rerank ?? DEFAULT_RERANK, 'rerank', 1, MAX_EXACT_RERANK);
    const threads = options.threads === undefined ? undefined : checkInt(options.threads, 'threads', 1, MAX_THREADS);
    const backend = await resolveBackend(options.backend);
    const create = (lock: WriterLock) => createFile(backend, lock, wanted ?? DEFAULT_DIMENSION, elementType(quantization ?? F32.kind));
    return openOrCreate(backend, path, readOnly, create, async (lock) => {
      const engine = await Engine.create(threads);
      const file = await backend.open(path, { readOnly, lock: lock ?? undefined });
      try {
        const { header, slot } = readHeader(file, path);
        if (wanted !== undefined && wanted !== header.dimension) {
          throw new MemvecError('DIMENSION_MISMATCH', `${path} holds vectors of dimension ${header.dimension}, not ${wanted}`);
        }
        const held = elementType(header.precision).kind;
        if (quantization !== undefined && quantization !== held) {
          throw new MemvecError('INVALID_ARGUMENT', `${path} holds ${held} vectors, not ${quantization}`);
        }
        const store = new MemMapVector(backend, path, file, header, slot, engine, readOnly, lock, rerank);
        store.loadBitmap();
        return store;
      } catch (err) {
        file.close();
        throw err;
      }
    });
  }

  get dimension(): number {
    return this.header.dimension;
  }

  /** How many threads a search of a large file runs on (MemMapVectorOptions.threads; 1 where threads are unavailable). */
  get threads(): number {
    return this.engine.threads;
  }

  /** How the file keeps its vectors: 'f32', 'f16' or 'i8' (MemMapVectorOptions.quantization). */
  get quantization(): Quantization {
    return this.layout.type.kind;
  }

  /** The storage backend this store's file goes through: 'mmap', 'fs', 'deno', 'opfs' or 'memory'. */
  get backend(): BackendName {
    return this.storage.name;
  }

  // ---------------------------------------------------------------- reading the committed state

  /** The newest committed header. */
  private get header(): FlatHeader {
    return this.disk.header;
  }

  private openFile(): StorageFile {
    return this.disk.current();
  }

  private writableFile(): StorageFile {
    return this.disk.writable();
  }

  /** Reads the committed bitmap into WASM memory and checks it against the header. */
  private loadBitmap(): void {
    this.readBitmap(this.openFile(), this.header, this.bitmap);
  }

  /** Reads the bitmap `h` commits from `file` into `into`, and checks it against `h`. */
  private readBitmap(file: StorageFile, h: FlatHeader, into: WasmBuffer): void {
    const length = bitmapBytes(h.count);
    into.ensure(Math.max(length, 64));
    // Bits past the last vector must read as "not deleted" when vectors are appended later.
    into.view().fill(0, length);
    const view = into.view(length);
    if (file.read(h.bitmapRegion + h.activeArea * h.bitmapCapacity, view) !== length) {
      throw new MemvecError('CORRUPT_FILE', `${this.path}: the deletion bitmap is cut short`);
    }
    if (crc32(view) !== h.bitmapCrc) throw new MemvecError('CORRUPT_FILE', `${this.path}: deletion bitmap checksum mismatch`);
    let deleted = 0;
    for (let i = 0; i < length; i++) deleted += popcount8(view[i]!);
    const tail = h.count % 8;
    if (tail !== 0 && view[length - 1]! >> tail !== 0) {
      throw new MemvecError('CORRUPT_FILE', `${this.path}: deletion bitmap marks vectors that do not exist`);
    }
    if (deleted !== h.deletedCount) throw new MemvecError('CORRUPT_FILE', `${this.path}: deletion count does not match the bitmap`);
  }

  private isDeleted(id: number): boolean {
    return (this.engine.u8[this.bitmap.ptr + (id >>> 3)]! & (1 << (id & 7))) !== 0;
  }

  // ---------------------------------------------------------------- the commit protocol

  /**
   * Writes `next` as the newest header after the data it points to is durable (CommittedFile.commit).
   * Any failure from the header write on leaves the outcome unknown, so the store closes itself; a
   * failure before it leaves the committed state untouched.
   */
  private commit(file: StorageFile, next: FlatHeader): void {
    this.disk.commit(file, next);
  }

  /** Writes the in-memory bitmap into the inactive area; returns the header fields that point to it. */
  private writeBitmap(file: StorageFile, count: number, plan: RegionPlan, area: number): Pick<FlatHeader, 'activeArea' | 'bitmapCrc'> {
    const view = this.bitmap.view(bitmapBytes(count));
    file.write(plan.bitmapRegion + area * plan.bitmapCapacity, view);
    return { activeArea: area, bitmapCrc: crc32(view) };
  }

  /** Moves the bitmap past where `count` vectors will end: a commit of its own, changing nothing else. */
  private relocateBitmap(file: StorageFile, count: number): RegionPlan {
    const h = this.header;
    const plan = planRegion(count, this.layout);
    // The new region starts past both the future vectors and the committed bitmap's areas.
    const floor = h.bitmapRegion + 2 * h.bitmapCapacity;
    if (plan.bitmapRegion < floor) plan.bitmapRegion = Math.ceil(floor / 4096) * 4096;
    file.truncate(Math.max(file.size(), regionEnd(plan)));
    const written = this.writeBitmap(file, h.count, plan, 0);
    this.commit(file, { ...h, ...plan, ...written, sequence: h.sequence + 1 });
    return plan;
  }

  // ---------------------------------------------------------------- writes

  /** Appends a flat Float32Array of n·d, or an array of vectors; returns their ids. */
  addVectors(vectors: Float32Array | ReadonlyArray<ArrayLike<number>>): number[] {
    const file = this.writableFile();
    const { data, count } = toBatch(vectors, this.dimension);
    for (let i = 0; i < count; i++) {
      if (isAllZero(data, i * this.dimension, this.dimension)) {
        throw new MemvecError('INVALID_VECTOR', `vector ${i} is all zeros: it has no cosine direction (and all-zero rows mark deleted vectors)`);
      }
    }
    if (count === 0) return [];
    const first = this.header.count;
    const total = first + count;
    if (total > MAX_VECTORS) throw new MemvecError('CAPACITY', `a store holds at most ${MAX_VECTORS} vectors`);
    // Room for the larger bitmap is taken before any byte is written, so CAPACITY changes nothing.
    this.bitmap.ensure(bitmapBytes(total), true);
    this.rows.reserve(count);

    let plan: RegionPlan = this.header;
    if (outgrows(plan, total, this.layout)) plan = this.relocateBitmap(file, total);
    this.rows.writeVectors(file, first, data, count);
    const written = this.writeBitmap(file, total, plan, 1 - this.header.activeArea);
    this.commit(file, { ...this.header, ...written, count: total, sequence: this.header.sequence + 1 });
    return Array.from({ length: count }, (_, i) => first + i);
  }

  /** Same as addVectors, for a list of vectors. */
  addVectorList(list: ReadonlyArray<Float32Array | readonly number[]>): number[] {
    if (!Array.isArray(list)) throw new MemvecError('INVALID_VECTOR', 'addVectorList takes an array of vectors');
    return this.addVectors(list);
  }

  /**
   * Marks vectors deleted and zero-fills them; returns how many were newly marked. An id that was never
   * added throws UNKNOWN_ID and marks nothing.
   */
  markDeleted(ids: number | readonly number[] | Uint32Array): number {
    const file = this.writableFile();
    const list = this.checkIds(typeof ids === 'number' ? [ids] : ids);
    const fresh = [...new Set(list)].filter((id) => !this.isDeleted(id)).sort((a, b) => a - b);
    if (fresh.length === 0) return 0;

    // Every id in `fresh` has its bit clear, so XOR sets them all, and XOR again undoes exactly that.
    const flip = () => {
      const u8 = this.engine.u8;
      for (const id of fresh) u8[this.bitmap.ptr + (id >>> 3)]! ^= 1 << (id & 7);
    };
    flip();
    try {
      const h = this.header;
      const written = this.writeBitmap(file, h.count, h, 1 - h.activeArea);
      this.commit(file, { ...h, ...written, deletedCount: h.deletedCount + fresh.length, sequence: h.sequence + 1 });
    } catch (err) {
      if (this.disk.isOpen) flip();
      throw err;
    }
    // Committed: the bitmap is the authority now, so zeroing the rows is safe to interrupt.
    this.zeroRows(file, fresh);
    return fresh.length;
  }

  private zeroRows(file: StorageFile, sortedIds: number[]): void {
    try {
      this.rows.zero(file, sortedIds);
      file.sync();
    } catch (err) {
      this.disk.fail(err);
      throw err;
    }
  }

  /**
   * Rewrites the file without deleted vectors; returns [oldId, newId] for every vector kept. The new
   * file is written beside the old one and renamed over it, so a crash leaves one or the other whole.
   */
  async compact(options?: LongWorkOptions): Promise<Array<[number, number]>> {
    const file = this.writableFile();
    options = checkOptionKeys(options, LONG_WORK_OPTIONS, 'compact options');
    checkSignal(options.signal);
    const h = this.header;
    const map: Array<[number, number]> = [];
    if (h.deletedCount === 0) {
      for (let id = 0; id < h.count; id++) map.push([id, id]);
      return map;
    }
    // The new file is written beside the path and renamed over it (CommittedFile.replace); the store's
    // handle is closed first (some platforms refuse to replace an open file), then the path reopened:
    // the compacted file, or the old one if the rename failed.
    await this.disk.replace('compact.tmp', async (tmp) => {
      const live = h.count - h.deletedCount;
      const { rowBytes, codeBytes, quantized } = this.layout;
      const perChunk = Math.max(1, Math.floor(COPY_CHUNK_BYTES / (quantized ? rowBytes + codeBytes : rowBytes)));
      const chunk = new Uint8Array(perChunk * rowBytes);
      // f32 rows are their own codes: only quantized files copy codes besides the originals.
      const codes = new Uint8Array(quantized ? perChunk * codeBytes : 0);
      let written = 0;
      for (let start = 0; start < h.count; start += perChunk) {
        checkSignal(options.signal);
        const n = Math.min(perChunk, h.count - start);
        this.rows.readStored(file, start, n, codes, chunk);
        let kept = 0;
        for (let i = 0; i < n; i++) {
          if (this.isDeleted(start + i)) continue;
          if (kept !== i) {
            chunk.copyWithin(kept * rowBytes, i * rowBytes, (i + 1) * rowBytes);
            if (quantized) codes.copyWithin(kept * codeBytes, i * codeBytes, (i + 1) * codeBytes);
          }
          map.push([start + i, written + kept]);
          kept++;
        }
        this.rows.writeStored(tmp, written, kept, codes, chunk);
        written += kept;
        options.onProgress?.(start + n, h.count);
        // Let the event loop turn between chunks: a macrotask, so that an AbortSignal fired by a timer
        // (AbortSignal.timeout) is seen; a resolved promise would run no timer at all.
        await yieldToEventLoop();
      }
      // The sequence carries on across the rewrite, so a reader's refresh() sees a new state.
      writeFreshHeader(tmp, h, live, true, h.sequence + 1);
    }, () => checkSignal(options.signal), true, (reopened) => {
      // Whatever the path holds now (the compacted file, or the old one if the rename failed) is whole.
      const read = readHeader(reopened, this.path);
      this.readBitmap(reopened, read.header, this.bitmap);
      return read;
    });
    return map;
  }

  // ---------------------------------------------------------------- reads

  private checkIds(ids: ArrayLike<number>): number[] {
    if (typeof ids !== 'object' || ids === null || typeof ids.length !== 'number') {
      throw new MemvecError('INVALID_ARGUMENT', `ids must be an array of vector ids, got ${describe(ids)}`);
    }
    const out = Array.from(ids);
    for (const id of out) {
      checkIdShape(id);
      if (id < 0 || id >= this.header.count) throw new MemvecError('UNKNOWN_ID', `no vector with id ${id} (the store has ${this.header.count})`);
    }
    return out;
  }

  /** The vector with this id as it was added, or null for an unknown or deleted id. */
  getVectorByVectorId(id: number): Float32Array | null {
    const file = this.openFile();
    checkIdShape(id);
    if (id < 0 || id >= this.header.count || this.isDeleted(id)) return null;
    const out = new Float32Array(this.dimension);
    file.read(this.layout.originalOffset(id), new Uint8Array(out.buffer));
    return out;
  }

  getTotalVectors(): number {
    this.openFile();
    return this.header.count;
  }

  stat(): MemMapVectorStats {
    const file = this.openFile();
    const h = this.header;
    const live = h.count - h.deletedCount;
    const fileSize = file.size();
    const deletedIds: number[] = [];
    for (let id = 0; id < h.count && deletedIds.length < h.deletedCount; id++) if (this.isDeleted(id)) deletedIds.push(id);
    const compactedSize = regionEnd(planRegion(live, this.layout, true));
    const { bytesPerVector } = this.layout;
    return {
      totalVectors: h.count,
      validVectors: live,
      deletedVectors: h.deletedCount,
      fileSize,
      spaceUtilization: fileSize === 0 ? 0 : (live * bytesPerVector) / fileSize,
      reclaimableBytes: Math.max(0, fileSize - compactedSize),
      deletedIds,
      quantization: this.quantization,
      bytesPerVector,
    };
  }

  /** Exact cosine search over every live vector; best first, ties by lower id. */
  cosineSearch(query: ArrayLike<number>, options?: CosineSearchOptions): SearchResult[] {
    const source = this.scanSource();
    const opts = checkOptionKeys(options, SEARCH_OPTIONS, 'cosineSearch options');
    const own = this.engine.threads;
    const threads = opts.threads === undefined ? own : Math.min(checkInt(opts.threads, 'threads', 1, MAX_THREADS), own);
    return this.scanner.searchAll(source, query, opts, this.rerank, threads);
  }

  /** Exact cosine search restricted to `ids` (unknown ids throw UNKNOWN_ID; deleted ones are skipped). */
  cosineSearchInVectorIds(query: ArrayLike<number>, ids: readonly number[] | Uint32Array, options?: CosineSearchOptions): SearchResult[] {
    const source = this.scanSource();
    options = checkOptionKeys(options, SEARCH_OPTIONS, 'cosineSearchInVectorIds options');
    const wanted = [...new Set(this.checkIds(ids))].sort((a, b) => a - b);
    return this.scanner.searchIds(source, wanted, query, options, this.rerank);
  }

  private scanSource(): ScanSource {
    return { file: this.openFile(), path: this.path, count: this.header.count, deletedBits: this.bitmap.ptr };
  }

  // ---------------------------------------------------------------- readers

  /**
   * A reader (readOnly): loads the commits made since it opened or last refreshed, without reopening
   * the store; true if anything changed. Cheap when nothing did: it reads the header at the path and
   * compares its sequence (which only grows, compaction included). Otherwise it switches to the file
   * now at the path (the same one, or the one a compaction renamed over it) and its bitmap, checked
   * before anything is swapped, so a failure leaves the reader as it was. A writer racing the read is
   * handled as at open: the read is retried while the header moves. On a writer refresh() returns
   * false: it is the only one committing, so it is always current.
   */
  async refresh(): Promise<boolean> {
    this.openFile();
    if (!this.readOnly) return false;
    for (let attempt = 1; ; attempt++) {
      const fresh = await this.storage.open(this.path, { readOnly: true });
      const bitmap = new WasmBuffer(this.engine, 'the deletion bitmap');
      let sequence: number | undefined;
      try {
        const { header, slot } = readHeader(fresh, this.path);
        sequence = header.sequence;
        this.openFile();
        if (header.sequence === this.header.sequence) {
          fresh.close();
          return false;
        }
        if (header.dimension !== this.dimension) {
          throw new MemvecError('DIMENSION_MISMATCH', `${this.path} now holds vectors of dimension ${header.dimension}, not ${this.dimension}`);
        }
        if (header.precision !== this.layout.type.id || header.segmentRows !== this.header.segmentRows) {
          throw new MemvecError('INVALID_ARGUMENT', `${this.path} now holds ${elementType(header.precision).kind} vectors in another layout, not this reader's ${this.quantization}`);
        }
        this.readBitmap(fresh, header, bitmap);
        this.disk.adopt(fresh, header, slot);
        const previous = this.bitmap;
        this.bitmap = bitmap;
        previous.release();
        return true;
      } catch (err) {
        bitmap.release();
        const moved = racedACommit(err, sequence, () => readHeader(fresh, this.path).header.sequence);
        fresh.close();
        if (!moved || attempt >= READER_ATTEMPTS) throw err;
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Releases the file and its write lock. Every write was already durable, so there is nothing to flush. */
  close(): void {
    this.disk.close();
    this.engine.close();
  }

  /** `using db = ...` (Bun, Deno, TypeScript's downlevelled `using`): close(). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using db = ...`: close() (there is nothing to flush). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

