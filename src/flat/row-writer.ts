/**
 * Writing rows of a MemMapVector file where its layout (format/flat-layout.ts) puts them: f32 rows as
 * they are; for f16 and i8, each row's code (encoded in the engine) beside its f32 original, split
 * into runs that stay within one segment. It only writes bytes; the store decides when they count
 * (its commits), so everything here goes past the committed rows or over rows already deleted.
 */
import { elementCount } from '../engine/element-type.js';
import type { Engine } from '../engine/engine.js';
import { FlatScan } from '../engine/flat-scan.js';
import { WasmBuffer } from '../engine/wasm-buffer.js';
import type { RowLayout } from '../format/flat-layout.js';
import type { StorageFile } from '../storage/types.js';

/** The most bytes of f32 rows encoded (or zero-filled) per step: bounded engine memory for any batch. */
const CHUNK_BYTES = 8 << 20;

/** Little-endian bytes of a Float32Array without copying (every runtime we target is little-endian). */
export function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class RowWriter {
  private readonly codec: FlatScan;
  private readonly input: WasmBuffer;
  private readonly codes: WasmBuffer;
  /** Rows encoded per step. */
  readonly chunkRows: number;

  constructor(
    engine: Engine,
    private readonly layout: RowLayout,
  ) {
    this.codec = new FlatScan(engine);
    this.input = new WasmBuffer(engine, 'the rows to encode');
    this.codes = new WasmBuffer(engine, 'the encoded rows');
    this.chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / layout.rowBytes));
  }

  /** Takes the engine memory a write of `count` rows needs, before anything is written (CAPACITY changes nothing). */
  reserve(count: number): void {
    if (!this.layout.quantized || count === 0) return;
    const rows = Math.min(count, this.chunkRows);
    this.input.ensure(rows * this.layout.rowBytes);
    this.codes.ensure(rows * this.layout.codeBytes);
  }

  /** Writes `count` f32 rows (`data`) as rows first, first + 1, ...: their codes and originals. */
  writeVectors(file: StorageFile, first: number, data: Float32Array, count: number): void {
    const { layout } = this;
    if (!layout.quantized) {
      file.write(layout.originalOffset(first), bytesOf(data));
      return;
    }
    this.reserve(count);
    const dim = elementCount(layout.rowBytes);
    for (const run of layout.runs(first, count, this.chunkRows)) {
      const rows = data.subarray((run.first - first) * dim, (run.first - first + run.count) * dim);
      this.codec.writeVector(this.input.ptr, rows);
      this.codec.encode(layout.type.id, this.input.ptr, this.codes.ptr, run.count, dim);
      file.write(layout.codeOffset(run.first), this.codes.view(run.count * layout.codeBytes));
      file.write(layout.originalOffset(run.first), bytesOf(rows));
    }
  }

  /**
   * Writes `count` rows already in stored form as rows first, first + 1, ...: `codes` (count codes,
   * ignored for f32) and `originals` (count f32 rows), back to back. Compaction's copy.
   */
  writeStored(file: StorageFile, first: number, count: number, codes: Uint8Array, originals: Uint8Array): void {
    const { layout } = this;
    for (const run of layout.runs(first, count)) {
      const at = run.first - first;
      if (layout.quantized) file.write(layout.codeOffset(run.first), codes.subarray(at * layout.codeBytes, (at + run.count) * layout.codeBytes));
      file.write(layout.originalOffset(run.first), originals.subarray(at * layout.rowBytes, (at + run.count) * layout.rowBytes));
    }
  }

  /** Reads rows [first, first + count) in stored form into `codes` and `originals` (as writeStored takes them). */
  readStored(file: StorageFile, first: number, count: number, codes: Uint8Array, originals: Uint8Array): boolean {
    const { layout } = this;
    let whole = true;
    for (const run of layout.runs(first, count)) {
      const at = run.first - first;
      if (layout.quantized) {
        const c = codes.subarray(at * layout.codeBytes, (at + run.count) * layout.codeBytes);
        whole &&= file.read(layout.codeOffset(run.first), c) === c.length;
      }
      const o = originals.subarray(at * layout.rowBytes, (at + run.count) * layout.rowBytes);
      whole &&= file.read(layout.originalOffset(run.first), o) === o.length;
    }
    return whole;
  }

  /** Zero-fills the rows `sortedIds` (ascending), code and original, runs of consecutive ids in one call each. */
  zero(file: StorageFile, sortedIds: number[]): void {
    const { layout } = this;
    const perChunk = Math.min(this.chunkRows, sortedIds.length);
    const zeros = new Uint8Array(perChunk * Math.max(layout.rowBytes, layout.codeBytes));
    for (let i = 0; i < sortedIds.length; ) {
      let j = i + 1;
      while (j < sortedIds.length && j - i < perChunk && sortedIds[j] === sortedIds[j - 1]! + 1) j++;
      for (const run of layout.runs(sortedIds[i]!, j - i)) {
        if (layout.quantized) file.write(layout.codeOffset(run.first), zeros.subarray(0, run.count * layout.codeBytes));
        file.write(layout.originalOffset(run.first), zeros.subarray(0, run.count * layout.rowBytes));
      }
      i = j;
    }
  }
}
