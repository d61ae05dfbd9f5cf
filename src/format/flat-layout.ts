/**
 * Where each vector of a MemMapVector file lives, per element kind (the `quantization` option).
 *
 * f32: row i (dimension f32) at VECTORS_OFFSET + i · rowBytes, as it always was.
 *
 * f16 and i8: rows are grouped in segments of G rows (G = segmentRows, in the header):
 *
 *   segment s at VECTORS_OFFSET + s · G · (codeBytes + rowBytes):  [G codes][G f32 originals]
 *
 * The search scans only codes, and each segment's codes are one contiguous block, read with one call:
 * that is where the speed comes from (an i8 code of 512 dimensions is 528 bytes against 2048 for f32;
 * the scan is bound by memory bandwidth). The f32 originals, for the exact rescoring and
 * getVectorByVectorId, are in the same file, beside their codes. Rows still grow in place: a new
 * row's code and original go into unused slots of the last segment or into a new one, never over
 * anything a committed header points to, so the commit protocol is the f32 one, unchanged.
 *
 * G is chosen at creation so that one segment's codes fill about 256 KiB: the scan copies a block into
 * a scratch region in WASM memory and reads it back while it is still in the CPU cache (the f32 scan's
 * measured sweet spot, scanner.ts); a larger block would go to DRAM twice, a smaller one pays a read
 * call and an engine call per fewer rows. It is a power of two in [1, 4096]; the last segment's unused
 * code slots (at most one block, ~256 KiB) are the layout's only waste.
 */
import { elementType, type ElementType, F32, vectorBytes } from '../engine/element-type.js';
import { SLOT_BYTES } from './header-slots.js';

/** Vectors start past the two header slots. */
export const VECTORS_OFFSET = 2 * SLOT_BYTES;

const SEGMENT_CODE_BYTES = 256 << 10;
export const MAX_SEGMENT_ROWS = 4096;

/** The segment size for a new quantized file of this kind and dimension (0 for f32: no segments). */
export function chooseSegmentRows(type: ElementType, dimension: number): number {
  if (type === F32) return 0;
  const fit = Math.max(1, Math.floor(SEGMENT_CODE_BYTES / vectorBytes(dimension, type)));
  return Math.min(MAX_SEGMENT_ROWS, 2 ** Math.floor(Math.log2(fit)));
}

/** A run of rows [first, first + count) that lies within one segment (for f32: any run). */
export interface RowRun {
  first: number;
  count: number;
}

export class RowLayout {
  readonly type: ElementType;
  /** Bytes of one f32 original. */
  readonly rowBytes: number;
  /** Bytes of one code: the original itself for f32. */
  readonly codeBytes: number;
  /** Rows per segment; 0 for f32 (one unbounded run). */
  readonly segmentRows: number;
  private readonly segmentBytes: number;

  constructor(dimension: number, precision: number, segmentRows: number) {
    this.type = elementType(precision);
    this.rowBytes = vectorBytes(dimension);
    this.codeBytes = vectorBytes(dimension, this.type);
    this.segmentRows = this.type === F32 ? 0 : segmentRows;
    this.segmentBytes = this.segmentRows * (this.codeBytes + this.rowBytes);
  }

  get quantized(): boolean {
    return this.segmentRows !== 0;
  }

  /** Bytes one vector takes on disk: its original, plus its code when quantized. */
  get bytesPerVector(): number {
    return this.quantized ? this.codeBytes + this.rowBytes : this.rowBytes;
  }

  private segmentStart(id: number): number {
    return VECTORS_OFFSET + Math.floor(id / this.segmentRows) * this.segmentBytes;
  }

  /** Where row `id`'s code starts (its original for f32). */
  codeOffset(id: number): number {
    if (!this.quantized) return VECTORS_OFFSET + id * this.rowBytes;
    return this.segmentStart(id) + (id % this.segmentRows) * this.codeBytes;
  }

  /** Where row `id`'s f32 original starts. */
  originalOffset(id: number): number {
    if (!this.quantized) return VECTORS_OFFSET + id * this.rowBytes;
    return this.segmentStart(id) + this.segmentRows * this.codeBytes + (id % this.segmentRows) * this.rowBytes;
  }

  /** The end of the bytes `count` rows occupy (the last segment's code block is counted whole). */
  vectorsEnd(count: number): number {
    if (!this.quantized || count === 0) return VECTORS_OFFSET + count * this.rowBytes;
    return this.originalOffset(count - 1) + this.rowBytes;
  }

  /** The most rows whose vectorsEnd is at most `end`. */
  maxCount(end: number): number {
    const bytes = Math.max(0, end - VECTORS_OFFSET);
    if (!this.quantized) return Math.floor(bytes / this.rowBytes);
    const full = Math.floor(bytes / this.segmentBytes);
    const rest = bytes - full * this.segmentBytes - this.segmentRows * this.codeBytes;
    return full * this.segmentRows + (rest < 0 ? 0 : Math.min(this.segmentRows, Math.floor(rest / this.rowBytes)));
  }

  /** Splits [first, first + count) into runs that each lie within one segment, each at most `most` rows. */
  runs(first: number, count: number, most = Infinity): RowRun[] {
    const out: RowRun[] = [];
    const end = first + count;
    for (let at = first; at < end; ) {
      const segmentEnd = this.quantized ? (Math.floor(at / this.segmentRows) + 1) * this.segmentRows : end;
      const n = Math.min(end, segmentEnd, at + most) - at;
      out.push({ first: at, count: n });
      at += n;
    }
    return out;
  }
}
