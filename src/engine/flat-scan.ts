/**
 * The typed binding to the engine's exact-scan part (assembly/kernels.ts, topk.ts, flat.ts): the
 * cosine scans of a MemMapVector feeding the engine's top-k heap. Pointers are byte offsets into
 * engine memory that the caller got from WasmBuffers; results come back as [id, score] pairs.
 */
import { MemvecError } from '../errors.js';
import type { EngineExports } from './abi.js';
import type { Engine } from './engine.js';
import { F32 } from './element-type.js';

const F32_SHIFT = Math.log2(F32.bytesPerElement);

export class FlatScan {
  private readonly x: EngineExports;

  constructor(private readonly engine: Engine) {
    this.x = engine.exports;
  }

  /** The L2 norm of the `dim` values at `ptr`. */
  norm(ptr: number, dim: number): number {
    return Math.sqrt(this.x.normSq(ptr, dim));
  }

  /** Empties the top-k heap and sets what it keeps: the `k` best with score >= minScore. */
  resetTopK(k: number, minScore: number): void {
    if (this.x.topkReset(k, minScore) !== 0) throw new MemvecError('CAPACITY', `topK ${k} is too large`);
  }

  /** Offers rows baseId, baseId + 1, ... (`count` of them at `block`) to the heap. */
  scanRange(query: number, queryNorm: number, block: number, count: number, dim: number, baseId: number, deletedBits: number): void {
    this.x.flatScanCosine(query, queryNorm, block, count, dim, baseId, deletedBits);
  }

  /** Offers `count` rows at `block` whose ids are the u32s at `ids` to the heap. */
  scanIds(query: number, queryNorm: number, block: number, ids: number, count: number, dim: number, deletedBits: number): void {
    this.x.flatScanCosineIds(query, queryNorm, block, ids, count, dim, deletedBits);
  }

  /** A quantized store's candidate scan (abi.ts flatScanCodes): codes of element kind `kind` at `block`, ids baseId, baseId+1, ... */
  scanCodes(kind: number, query: number, block: number, count: number, dim: number, baseId: number, deletedBits: number): void {
    this.x.flatScanCodes(kind, query, block, count, dim, baseId, deletedBits);
  }

  /** As scanCodes, for codes whose ids are the u32s at `ids`. */
  scanCodesIds(kind: number, query: number, block: number, ids: number, count: number, dim: number, deletedBits: number): void {
    this.x.flatScanCodesIds(kind, query, block, ids, count, dim, deletedBits);
  }

  /** Encodes `count` f32 vectors at `src` as codes of element kind `kind` at `dst`. */
  encode(kind: number, src: number, dst: number, count: number, dim: number): void {
    this.x.flatEncode(kind, src, dst, count, dim);
  }

  /** Bytes encodeQueryI8 writes for `dim`. */
  queryCodeI8Bytes(dim: number): number {
    return this.x.queryCodeI8Bytes(dim);
  }

  /** The f32 query at `src` in the form an i8 scanCodes takes, at `dst` (16-byte aligned). */
  encodeQueryI8(src: number, dst: number, dim: number): void {
    this.x.queryCodeI8(src, dst, dim);
  }

  /** A top-k heap for a worker's share of a parallel scan (the engine keeps it for good). */
  newHeap(): number {
    return this.x.topkNew() >>> 0;
  }

  /** resetTopK for heap `heap`. */
  resetHeap(heap: number, k: number, minScore: number): void {
    if (this.x.topkResetOn(heap, k, minScore) !== 0) throw new MemvecError('CAPACITY', `topK ${k} is too large`);
  }

  /** Offers every entry of `heap` to the heap resetTopK set up, emptying `heap`. */
  mergeHeap(heap: number): void {
    this.x.topkMergeFrom(heap);
  }

  /** This thread's share of a parallel scan (abi.ts flatScanPart, as thread 0). */
  scanPart(
    heaps: number, claim: number, kind: number, query: number, queryNorm: number, block: number, rows: number, dim: number,
    baseId: number, deletedBits: number, step: number,
  ): void {
    this.x.flatScanPart(0, heaps, claim, kind, query, queryNorm, block, rows, dim, baseId, deletedBits, step);
  }

  /** Writes `ids` (u32) at `ptr`, for scanIds. */
  writeIds(ptr: number, ids: ArrayLike<number>): void {
    this.engine.u32.set(ids, ptr >>> 2);
  }

  /** Writes a vector at `ptr`. */
  writeVector(ptr: number, v: ArrayLike<number>): void {
    this.engine.f32.set(v, ptr >>> F32_SHIFT);
  }

  /** The kept entries, best first (ties: lower id first), through `out` (room for 2·k u32); empties the heap. */
  drainTopK(out: number, k: number): Array<[id: number, score: number]> {
    const scoresPtr = out + k * 4;
    const n = this.x.topkDrain(out, scoresPtr);
    const u32 = this.engine.u32;
    const f32 = this.engine.f32;
    const idsAt = out >>> 2;
    const scoresAt = scoresPtr >>> F32_SHIFT;
    const results: Array<[number, number]> = new Array(n);
    for (let i = 0; i < n; i++) results[i] = [u32[idsAt + i]!, f32[scoresAt + i]!];
    return results;
  }
}
