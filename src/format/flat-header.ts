/**
 * The header of a MemMapVector file (the exact store), committed through the two slots of
 * header-slots.ts. Layout of the file:
 *
 *   [0, 4096)      header slot 0
 *   [4096, 8192)   header slot 1
 *   [8192, ...)    vectors: row i (dimension f32, little-endian) at 8192 + i * rowBytes, growing in place
 *   [P, P + 2C)    deletion bitmap region: two areas of C bytes; bit i set = vector i is deleted
 *
 * A commit never overwrites what the newest valid header points to: it writes new rows past the
 * committed count and a new bitmap into the inactive area, syncs, then flips the header slot.
 */
import { vectorBytes } from '../engine/element-type.js';
import { MAX_DIMENSION } from '../limits.js';
import {
  chooseNewestSlot,
  decodeSlot,
  encodeHeader,
  F_SEQUENCE,
  getU64,
  HEADER_BYTES,
  type HeaderKind,
  setU64,
  SLOT_BYTES,
  type SlotReading,
} from './header-slots.js';

export { HEADER_BYTES, SLOT_BYTES };
import { FLAT_MAGIC } from './magic.js';

export { FLAT_MAGIC };
export const FLAT_VERSION = 1;
export const VECTORS_OFFSET = 2 * SLOT_BYTES;
/** Vector ids cross the WASM boundary as u32. */
export const MAX_VECTORS = 0xffff_ffff;

const KIND: HeaderKind = { magic: FLAT_MAGIC, version: FLAT_VERSION, description: 'a memvec vector file' };

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
}

// Field offsets inside the 128-byte header, after the shared frame (magic, version, size, sequence).
const F_DIMENSION = 24;
const F_METRIC = 28; // 0 = cosine: the only metric of the exact store today
const F_PRECISION = 32; // 0 = f32
const F_VECTORS_OFFSET = 40;
const F_COUNT = 48;
const F_DELETED = 56;
const F_BITMAP_REGION = 64;
const F_BITMAP_CAPACITY = 72;
const F_ACTIVE_AREA = 80;
const F_BITMAP_CRC = 84;

export function bitmapBytes(count: number): number {
  return Math.ceil(count / 8);
}

export function encodeFlatHeader(h: FlatHeader): Uint8Array {
  return encodeHeader(KIND, h.sequence, (view) => {
    view.setUint32(F_DIMENSION, h.dimension, true);
    view.setUint32(F_METRIC, 0, true);
    view.setUint32(F_PRECISION, 0, true);
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
    };
    return checkFields(h, view, fileSize) ?? h;
  });
}

function checkFields(h: FlatHeader, view: DataView, fileSize: number): string | undefined {
  if (view.getUint32(F_METRIC, true) !== 0 || view.getUint32(F_PRECISION, true) !== 0) return 'unknown metric or precision';
  if (getU64(view, F_VECTORS_OFFSET) !== VECTORS_OFFSET) return 'unexpected vectors offset';
  for (const key of ['count', 'deletedCount', 'bitmapRegion', 'bitmapCapacity'] as const) {
    if (!Number.isSafeInteger(h[key])) return `${key} out of range`;
  }
  if (h.dimension < 1 || h.dimension > MAX_DIMENSION) return `dimension ${h.dimension} out of range`;
  if (h.count > MAX_VECTORS) return 'vector count out of range';
  if (h.deletedCount > h.count) return 'more deleted vectors than vectors';
  if (h.activeArea > 1) return 'bad bitmap area';
  const vectorsEnd = VECTORS_OFFSET + h.count * vectorBytes(h.dimension);
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
