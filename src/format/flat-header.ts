/**
 * The header of a MemMapVector file (the exact store). Layout of the file:
 *
 *   [0, 4096)      header slot 0
 *   [4096, 8192)   header slot 1
 *   [8192, ...)    vectors: row i (dimension f32, little-endian) at 8192 + i * rowBytes, growing in place
 *   [P, P + 2C)    deletion bitmap region: two areas of C bytes; bit i set = vector i is deleted
 *
 * A commit never overwrites what the newest valid header points to: it writes new rows past the
 * committed count and a new bitmap into the inactive area, syncs, then writes the header into the
 * OTHER slot with sequence + 1 and syncs again. Opening takes the valid slot with the higher sequence,
 * so a crash at any instant leaves the last committed state readable. Each slot sits in its own 4 KiB
 * page so a torn write of one cannot touch the other.
 */
import { MemvecError } from '../errors.js';
import { crc32 } from './crc32.js';

export const FLAT_MAGIC = 'MEMVECF\0';
export const FLAT_VERSION = 1;
export const SLOT_BYTES = 4096;
export const HEADER_BYTES = 128;
export const VECTORS_OFFSET = 2 * SLOT_BYTES;
export const MAX_DIMENSION = 65536;
/** Vector ids cross the WASM boundary as u32. */
export const MAX_VECTORS = 0xffff_ffff;

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

const enc = new TextEncoder();
const MAGIC_BYTES = enc.encode(FLAT_MAGIC);

// Field offsets inside the 128-byte header.
const F_MAGIC = 0;
const F_VERSION = 8;
const F_HEADER_BYTES = 12;
const F_SEQUENCE = 16;
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
const F_HEADER_CRC = HEADER_BYTES - 4;

function setU64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

function getU64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  // Anything past 2^53 cannot be a real offset or count on any machine: treat it as corruption.
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

export function bitmapBytes(count: number): number {
  return Math.ceil(count / 8);
}

export function encodeFlatHeader(h: FlatHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC_BYTES, F_MAGIC);
  view.setUint32(F_VERSION, FLAT_VERSION, true);
  view.setUint32(F_HEADER_BYTES, HEADER_BYTES, true);
  setU64(view, F_SEQUENCE, h.sequence);
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
  view.setUint32(F_HEADER_CRC, crc32(bytes.subarray(0, F_HEADER_CRC)), true);
  return bytes;
}

export type SlotReading =
  | { kind: 'valid'; header: FlatHeader }
  | { kind: 'foreign' } // no memvec magic: never written, torn, or not our file
  | { kind: 'damaged'; reason: string } // our magic, but the checksum or a field is wrong
  | { kind: 'newer'; version: number };

/**
 * Decodes one slot and checks everything that can be checked without the rest of the file: magic,
 * version, checksum, and that every field is in range for a file of `fileSize` bytes.
 */
export function decodeFlatSlot(bytes: Uint8Array, fileSize: number): SlotReading {
  if (bytes.length < HEADER_BYTES) return { kind: 'foreign' };
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) return { kind: 'foreign' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(F_HEADER_CRC, true) !== crc32(bytes.subarray(0, F_HEADER_CRC))) {
    return { kind: 'damaged', reason: 'header checksum mismatch' };
  }
  const version = view.getUint32(F_VERSION, true);
  if (version !== FLAT_VERSION) return { kind: 'newer', version };
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
  const reason = checkFields(h, view, fileSize);
  return reason ? { kind: 'damaged', reason } : { kind: 'valid', header: h };
}

function checkFields(h: FlatHeader, view: DataView, fileSize: number): string | undefined {
  if (view.getUint32(F_HEADER_BYTES, true) !== HEADER_BYTES) return 'unexpected header size';
  if (view.getUint32(F_METRIC, true) !== 0 || view.getUint32(F_PRECISION, true) !== 0) return 'unknown metric or precision';
  if (getU64(view, F_VECTORS_OFFSET) !== VECTORS_OFFSET) return 'unexpected vectors offset';
  for (const key of ['sequence', 'count', 'deletedCount', 'bitmapRegion', 'bitmapCapacity'] as const) {
    if (!Number.isSafeInteger(h[key])) return `${key} out of range`;
  }
  if (h.dimension < 1 || h.dimension > MAX_DIMENSION) return `dimension ${h.dimension} out of range`;
  if (h.count > MAX_VECTORS) return 'vector count out of range';
  if (h.deletedCount > h.count) return 'more deleted vectors than vectors';
  if (h.activeArea > 1) return 'bad bitmap area';
  const vectorsEnd = VECTORS_OFFSET + h.count * h.dimension * 4;
  if (vectorsEnd > fileSize) return 'vectors extend past the end of the file';
  if (h.bitmapCapacity < bitmapBytes(h.count)) return 'bitmap larger than its area';
  if (h.bitmapRegion < vectorsEnd) return 'bitmap overlaps the vectors';
  if (h.bitmapRegion + 2 * h.bitmapCapacity > fileSize) return 'bitmap extends past the end of the file';
  return undefined;
}

/** Picks the newest valid slot, or explains why the file cannot be opened. */
export function chooseFlatHeader(slots: SlotReading[], path: string): FlatHeader {
  const valid = slots.flatMap((s) => (s.kind === 'valid' ? [s.header] : []));
  if (valid.length > 0) return valid.reduce((a, b) => (b.sequence > a.sequence ? b : a));
  const newer = slots.find((s) => s.kind === 'newer');
  if (newer && newer.kind === 'newer') {
    throw new MemvecError('UNSUPPORTED_VERSION', `${path} uses memvec file format ${newer.version}; this build reads ${FLAT_VERSION}`);
  }
  const damaged = slots.find((s) => s.kind === 'damaged');
  if (damaged && damaged.kind === 'damaged') throw new MemvecError('CORRUPT_FILE', `${path}: ${damaged.reason}`);
  throw new MemvecError('CORRUPT_FILE', `${path} is not a memvec vector file (no valid header)`);
}
