/**
 * The header of a MemMapVector file (the exact store), committed through the two slots of
 * header-slots.ts. Layout of the file:
 *
 *   [0, 4096)      header slot 0
 *   [4096, 8192)   header slot 1
 *   [8192, ...)    vectors, growing in place: for f32, row i (dimension f32, little-endian) at
 *                  8192 + i * rowBytes; for f16 and i8, segments of codes then f32 originals
 *                  (flat-layout.ts)
 *   [P, P + 2C)    deletion bitmap region: two areas of C bytes; bit i set = vector i is deleted
 *
 * A commit never overwrites what the newest valid header points to: it writes new rows past the
 * committed count and a new bitmap into the inactive area, syncs, then flips the header slot.
 */
import { F16, F32, I8 } from '../engine/element-type.js';
import { MAX_DIMENSION } from '../limits.js';
import { MAX_SEGMENT_ROWS, RowLayout, VECTORS_OFFSET } from './flat-layout.js';
import {
  chooseNewestSlot,
  decodeSlot,
  encodeHeader,
  F_SEQUENCE,
  F_VERSION,
  getU64,
  HEADER_BYTES,
  type HeaderKind,
  setU64,
  SLOT_BYTES,
  type SlotReading,
} from './header-slots.js';

export { HEADER_BYTES, SLOT_BYTES };
import { FLAT_MAGIC } from './magic.js';

export { FLAT_MAGIC, VECTORS_OFFSET };
/**
 * f32 files are format 1, as they always were (byte for byte). Quantized files (f16, i8) are format 2,
 * so that a build that predates them refuses them as UNSUPPORTED_VERSION instead of misreading them.
 */
export const FLAT_VERSION = 1;
export const FLAT_QUANTIZED_VERSION = 2;
/** Vector ids cross the WASM boundary as u32. */
export const MAX_VECTORS = 0xffff_ffff;

const READS = [FLAT_VERSION, FLAT_QUANTIZED_VERSION];
const KIND: HeaderKind = { magic: FLAT_MAGIC, version: FLAT_VERSION, reads: READS, description: 'a memvec vector file' };
const QUANTIZED_KIND: HeaderKind = { ...KIND, version: FLAT_QUANTIZED_VERSION };

export interface FlatHeader {
  sequence: number;
  dimension: number;
  /** Vectors ever added and not compacted away, deleted ones included. */
  count: number;
  deletedCount: number;
  /** Start of the two bitmap areas (P) and the bytes in each (C). */
  bitmapRegion: number;
  bitmapCapacity: number;
  /** Which area (0 or 1) holds the committed bitmap. */
  activeArea: number;
  /** CRC-32 of the committed bitmap's ceil(count / 8) bytes. */
  bitmapCrc: number;
  /** The element kind of the stored codes (element-type.ts ids: 0 f32, 1 f16, 2 i8). */
  precision: number;
  /** Rows per segment of a quantized file (flat-layout.ts); 0 for f32. */
  segmentRows: number;
}

/** Where the rows of a file with this header live. */
export function layoutOf(h: Pick<FlatHeader, 'dimension' | 'precision' | 'segmentRows'>): RowLayout {
  return new RowLayout(h.dimension, h.precision, h.segmentRows);
}

// Field offsets inside the 128-byte header, after the shared frame (magic, version, size, sequence).
const F_DIMENSION = 24;
const F_METRIC = 28; // 0 = cosine: the only metric of the exact store today
const F_PRECISION = 32; // the element kind: 0 f32 (format 1), 1 f16 or 2 i8 (format 2)
const F_VECTORS_OFFSET = 40;
const F_COUNT = 48;
const F_DELETED = 56;
const F_BITMAP_REGION = 64;
const F_BITMAP_CAPACITY = 72;
const F_ACTIVE_AREA = 80;
const F_BITMAP_CRC = 84;
const F_SEGMENT_ROWS = 88; // format 2 only (0 in format 1)

export function bitmapBytes(count: number): number {
  return Math.ceil(count / 8);
}

export function encodeFlatHeader(h: FlatHeader): Uint8Array {
  const quantized = h.precision !== F32.id;
  return encodeHeader(quantized ? QUANTIZED_KIND : KIND, h.sequence, (view) => {
    view.setUint32(F_DIMENSION, h.dimension, true);
    view.setUint32(F_METRIC, 0, true);
    view.setUint32(F_PRECISION, h.precision, true);
    if (quantized) view.setUint32(F_SEGMENT_ROWS, h.segmentRows, true);
    setU64(view, F_VECTORS_OFFSET, VECTORS_OFFSET);
    setU64(view, F_COUNT, h.count);
    setU64(view, F_DELETED, h.deletedCount);
    setU64(view, F_BITMAP_REGION, h.bitmapRegion);
    setU64(view, F_BITMAP_CAPACITY, h.bitmapCapacity);
    view.setUint32(F_ACTIVE_AREA, h.activeArea, true);
    view.setUint32(F_BITMAP_CRC, h.bitmapCrc, true);
  });
}

/**
 * Decodes one slot and checks everything that can be checked without the rest of the file: the frame,
 * and that every field is in range for a file of `fileSize` bytes.
 */
export function decodeFlatSlot(bytes: Uint8Array, fileSize: number): SlotReading<FlatHeader> {
  return decodeSlot(KIND, bytes, (view) => {
    const h: FlatHeader = {
      sequence: getU64(view, F_SEQUENCE),
      dimension: view.getUint32(F_DIMENSION, true),
      count: getU64(view, F_COUNT),
      deletedCount: getU64(view, F_DELETED),
      bitmapRegion: getU64(view, F_BITMAP_REGION),
      bitmapCapacity: getU64(view, F_BITMAP_CAPACITY),
      activeArea: view.getUint32(F_ACTIVE_AREA, true),
      bitmapCrc: view.getUint32(F_BITMAP_CRC, true),
      precision: view.getUint32(F_PRECISION, true),
      segmentRows: view.getUint32(F_SEGMENT_ROWS, true),
    };
    return checkFields(h, view, fileSize) ?? h;
  });
}

function checkFields(h: FlatHeader, view: DataView, fileSize: number): string | undefined {
  if (view.getUint32(F_METRIC, true) !== 0) return 'unknown metric';
  if (view.getUint32(F_VERSION, true) === FLAT_VERSION) {
    if (h.precision !== F32.id || h.segmentRows !== 0) return 'a format 1 file holds f32 vectors';
  } else {
    // Format 2: f16 or i8, in segments of a power of two rows.
    if (h.precision !== F16.id && h.precision !== I8.id) return `unknown precision ${h.precision}`;
    if (h.segmentRows < 1 || h.segmentRows > MAX_SEGMENT_ROWS || (h.segmentRows & (h.segmentRows - 1)) !== 0) {
      return `segment size ${h.segmentRows} out of range`;
    }
  }
  if (getU64(view, F_VECTORS_OFFSET) !== VECTORS_OFFSET) return 'unexpected vectors offset';
  for (const key of ['count', 'deletedCount', 'bitmapRegion', 'bitmapCapacity'] as const) {
    if (!Number.isSafeInteger(h[key])) return `${key} out of range`;
  }
  if (h.dimension < 1 || h.dimension > MAX_DIMENSION) return `dimension ${h.dimension} out of range`;
  if (h.count > MAX_VECTORS) return 'vector count out of range';
  if (h.deletedCount > h.count) return 'more deleted vectors than vectors';
  if (h.activeArea > 1) return 'bad bitmap area';
  const vectorsEnd = layoutOf(h).vectorsEnd(h.count);
  if (vectorsEnd > fileSize) return 'vectors extend past the end of the file';
  if (h.bitmapCapacity < bitmapBytes(h.count)) return 'bitmap larger than its area';
  if (h.bitmapRegion < vectorsEnd) return 'bitmap overlaps the vectors';
  if (h.bitmapRegion + 2 * h.bitmapCapacity > fileSize) return 'bitmap extends past the end of the file';
  return undefined;
}

/** Picks the newest valid slot, or explains why the file cannot be opened. */
export function chooseFlatHeader(slots: SlotReading<FlatHeader>[], path: string): { header: FlatHeader; slot: number } {
  return chooseNewestSlot(KIND, slots, path);
}
