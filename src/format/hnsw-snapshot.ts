/**
 * The HNSW snapshot file: one fixed 320-byte header, then nine sections (ten in version 2), each
 * 8-byte aligned. Version 1 is an f32 index; version 2 a quantized one (f16 or i8), which an older
 * memvec refuses as UNSUPPORTED_VERSION rather than misreading. An f32 index is still written as
 * version 1, byte for byte as before.
 *
 * ```
 * offset size  header field (little-endian)
 *   0     8    magic "MEMVECH1"
 *   8     4    format version (1: f32, 2: quantized)
 *  12     4    header size (320)
 *  16     4    dimension
 *  20     4    metric: 0 cosine, 1 euclidean, 2 dot
 *  24     4    M
 *  28     4    efConstruction
 *  32     4    efSearch
 *  36     4    slots (live + deleted)
 *  40     4    live entries
 *  44     4    upper-layer blocks in use
 *  48     4    entry point slot (0xFFFFFFFF when empty)
 *  52     4    max level (i32, -1 when empty)
 *  56     8    level RNG state (low u32, high u32)
 *  64   9×24   per section: offset u64, length u64, CRC-32 u32, reserved u32
 * version 1:
 * 280    36    reserved, zero
 * version 2:
 * 280    24    the tenth section (originals)
 * 304     4    element kind: 1 f16, 2 i8 (src/engine/element-type.ts)
 * 308     4    rerank factor (0: the index keeps no originals)
 * 312     4    reserved, zero
 * both:
 * 316     4    CRC-32 of bytes 0..316
 * ```
 * Sections, in this order: vectors (slots codes: dim f32, unit vectors for cosine; or the kind's
 * codes, assembly/element.ts), norms (slots f32),
 * levels (slots u8), layer-0 lists (slots·(1+2M) u32: [count, ids...]), upper offsets (slots u32:
 * first pool block of each node), upper pool (blocks·(1+M) u32), flags (slots u8: 1 = deleted),
 * keys (per slot: u32 byte length + UTF-8; empty for deleted slots), metadata (per slot: u32 byte
 * length + JSON as UTF-8; length 0 = no metadata); version 2 only: originals (slots·dim f32 as an
 * f32 index stores them, or empty when the index keeps none).
 *
 * Every length and offset is checked against the file size before anything is allocated or read, and
 * every section has a CRC-32, so a torn, truncated or foreign file is CORRUPT_FILE, never a crash.
 */
import { ELEMENT_TYPES, elementType, F32, vectorBytes } from '../engine/element-type.js';
import { metricName } from '../engine/metrics.js';
import { MemvecError } from '../errors.js';
import { MAX_DIMENSION, MAX_EF, MAX_HNSW_RERANK, MAX_LEVEL, MAX_M, MIN_M } from '../limits.js';
import type { StorageFile } from '../storage/types.js';
import { crc32 } from './crc32.js';
import { HNSW_MAGIC, INDEX_MAGIC } from './magic.js';
import { corrupt, internalFault } from './file-errors.js';

export { HNSW_MAGIC };
export const HNSW_FORMAT_VERSION = 2;
/** The version an f32 index is written with: unchanged since version 1. */
const F32_FORMAT_VERSION = 1;
export const HNSW_HEADER_BYTES = 320;
export const NO_ENTRY = 0xffffffff;

export const SECTION = {
  VECTORS: 0,
  NORMS: 1,
  LEVELS: 2,
  LINKS0: 3,
  UPPER_OFFSETS: 4,
  UPPER_POOL: 5,
  FLAGS: 6,
  KEYS: 7,
  METADATA: 8,
  ORIGINALS: 9,
} as const;
/** Sections of the newest version; an f32 snapshot (version 1) has all but the last. */
export const SECTION_COUNT = 10;
const SECTION_NAMES = ['vectors', 'norms', 'levels', 'layer-0 links', 'upper offsets', 'upper pool', 'flags', 'keys', 'metadata', 'originals'];
const ELEMENT_AT = 304;
const RERANK_AT = 308;

const SECTIONS_AT = 64;
const SECTION_ENTRY = 24;
const HEADER_CRC_AT = 316;
/** Sections are read and written in pieces of this size, which is also the progress granularity. */
export const IO_PIECE = 8 << 20;

export interface SectionRef {
  offset: number;
  length: number;
  crc: number;
}

export interface HnswSnapshotHeader {
  dimension: number;
  metric: number;
  M: number;
  efConstruction: number;
  efSearch: number;
  slots: number;
  live: number;
  poolBlocks: number;
  entryPoint: number;
  maxLevel: number;
  rngLo: number;
  rngHi: number;
  /** The element kind's engine id (element-type.ts): 0 f32, 1 f16, 2 i8. */
  element: number;
  /** A quantized index's rerank factor; 0 when it keeps no originals (and for f32). */
  rerank: number;
  sections: SectionRef[];
}

export type SnapshotFields = Omit<HnswSnapshotHeader, 'sections'>;

/** What a damaged snapshot's errors start with (HnswIndex's reader too, for what it finds inside the sections). */
export const NOT_A_SNAPSHOT = 'not a valid memvec HNSW snapshot';

/** How many sections a snapshot of this kind has (version 1, f32: no originals section). */
export function sectionCount(h: Pick<SnapshotFields, 'element'>): number {
  return h.element === F32.id ? SECTION_COUNT - 1 : SECTION_COUNT;
}

/** Byte lengths of the fixed-size sections; null for the variable ones (keys, metadata). */
export function fixedSectionLengths(h: SnapshotFields): Array<number | null> {
  const n = h.slots;
  const lengths = [
    n * vectorBytes(h.dimension, elementType(h.element)), n * 4, n, n * (1 + 2 * h.M) * 4, n * 4, h.poolBlocks * (1 + h.M) * 4, n, null, null,
    h.rerank > 0 ? n * vectorBytes(h.dimension) : 0,
  ];
  return lengths.slice(0, sectionCount(h));
}

export function encodeHeader(h: HnswSnapshotHeader): Uint8Array {
  const bytes = new Uint8Array(HNSW_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) bytes[i] = HNSW_MAGIC.charCodeAt(i);
  const u32s = [
    h.element === F32.id ? F32_FORMAT_VERSION : HNSW_FORMAT_VERSION, HNSW_HEADER_BYTES, h.dimension, h.metric, h.M, h.efConstruction, h.efSearch, h.slots,
    h.live, h.poolBlocks, h.entryPoint >>> 0, h.maxLevel >>> 0, h.rngLo >>> 0, h.rngHi >>> 0,
  ];
  u32s.forEach((v, i) => view.setUint32(8 + i * 4, v, true));
  h.sections.forEach((s, i) => {
    const at = SECTIONS_AT + i * SECTION_ENTRY;
    view.setUint32(at, s.offset % 2 ** 32, true);
    view.setUint32(at + 4, Math.floor(s.offset / 2 ** 32), true);
    view.setUint32(at + 8, s.length % 2 ** 32, true);
    view.setUint32(at + 12, Math.floor(s.length / 2 ** 32), true);
    view.setUint32(at + 16, s.crc >>> 0, true);
  });
  if (h.element !== F32.id) {
    view.setUint32(ELEMENT_AT, h.element, true);
    view.setUint32(RERANK_AT, h.rerank, true);
  }
  view.setUint32(HEADER_CRC_AT, crc32(bytes.subarray(0, HEADER_CRC_AT)), true);
  return bytes;
}

function readU64(view: DataView, at: number, what: string): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  // 2^53: beyond it a number cannot hold the offset exactly, and no real file gets there.
  if (hi >= 2 ** 21) throw corrupt(NOT_A_SNAPSHOT, `${what} is out of range`);
  return hi * 2 ** 32 + lo;
}

/**
 * Reads and checks the header: magic, version, header CRC, every parameter's range, and every
 * section's offset and length against the file size and the counts. Throws CORRUPT_FILE or
 * UNSUPPORTED_VERSION.
 */
export function readHeader(file: StorageFile): HnswSnapshotHeader {
  const fileSize = file.size();
  if (fileSize < HNSW_HEADER_BYTES) throw corrupt(NOT_A_SNAPSHOT, `the file has ${fileSize} bytes, less than a header`);
  const bytes = new Uint8Array(HNSW_HEADER_BYTES);
  if (file.read(0, bytes) !== HNSW_HEADER_BYTES) throw corrupt(NOT_A_SNAPSHOT, 'the header could not be read');
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic === INDEX_MAGIC) throw corrupt(NOT_A_SNAPSHOT, 'this is a persistent HNSW index file: open it with HnswIndex.open');
  if (magic !== HNSW_MAGIC) throw corrupt(NOT_A_SNAPSHOT, 'wrong magic bytes');
  const view = new DataView(bytes.buffer);
  const version = view.getUint32(8, true);
  if (version === 0) throw corrupt(NOT_A_SNAPSHOT, 'format version 0');
  if (version > HNSW_FORMAT_VERSION) {
    throw new MemvecError(
      'UNSUPPORTED_VERSION',
      `HNSW snapshot format version ${version} is newer than this memvec reads (${HNSW_FORMAT_VERSION})`,
    );
  }
  if (crc32(bytes.subarray(0, HEADER_CRC_AT)) !== view.getUint32(HEADER_CRC_AT, true)) {
    throw corrupt(NOT_A_SNAPSHOT, 'header checksum mismatch');
  }
  const u = (i: number) => view.getUint32(8 + i * 4, true);
  const h: HnswSnapshotHeader = {
    dimension: u(2),
    metric: u(3),
    M: u(4),
    efConstruction: u(5),
    efSearch: u(6),
    slots: u(7),
    live: u(8),
    poolBlocks: u(9),
    entryPoint: u(10),
    maxLevel: view.getInt32(8 + 11 * 4, true),
    rngLo: u(12),
    rngHi: u(13),
    element: version === F32_FORMAT_VERSION ? F32.id : view.getUint32(ELEMENT_AT, true),
    rerank: version === F32_FORMAT_VERSION ? 0 : view.getUint32(RERANK_AT, true),
    sections: [],
  };
  if (version !== F32_FORMAT_VERSION) {
    if (h.element === F32.id || !ELEMENT_TYPES.some((t) => t.id === h.element)) throw corrupt(NOT_A_SNAPSHOT, `element kind ${h.element}`);
    if (h.rerank > MAX_HNSW_RERANK) throw corrupt(NOT_A_SNAPSHOT, `rerank factor ${h.rerank}`);
  }
  const count = sectionCount(h);
  const reservedFrom = version === F32_FORMAT_VERSION ? SECTIONS_AT + count * SECTION_ENTRY : RERANK_AT + 4;
  if (u(1) !== HNSW_HEADER_BYTES) throw corrupt(NOT_A_SNAPSHOT, `header size ${u(1)}`);
  if (h.dimension < 1 || h.dimension > MAX_DIMENSION) throw corrupt(NOT_A_SNAPSHOT, `dimension ${h.dimension}`);
  if (metricName(h.metric) === undefined) throw corrupt(NOT_A_SNAPSHOT, `metric id ${h.metric}`);
  if (h.M < MIN_M || h.M > MAX_M) throw corrupt(NOT_A_SNAPSHOT, `M ${h.M}`);
  if (h.efConstruction < 1 || h.efConstruction > MAX_EF) throw corrupt(NOT_A_SNAPSHOT, `efConstruction ${h.efConstruction}`);
  if (h.efSearch < 1 || h.efSearch > MAX_EF) throw corrupt(NOT_A_SNAPSHOT, `efSearch ${h.efSearch}`);
  if (h.slots === NO_ENTRY) throw corrupt(NOT_A_SNAPSHOT, 'slot count');
  if (h.live > h.slots) throw corrupt(NOT_A_SNAPSHOT, 'more live entries than slots');
  if (h.slots === 0 ? h.entryPoint !== NO_ENTRY || h.maxLevel !== -1 : h.entryPoint >= h.slots) {
    throw corrupt(NOT_A_SNAPSHOT, 'entry point');
  }
  if (h.maxLevel < -1 || h.maxLevel > MAX_LEVEL) throw corrupt(NOT_A_SNAPSHOT, `max level ${h.maxLevel}`);
  if (h.poolBlocks > h.slots * Math.max(0, h.maxLevel)) throw corrupt(NOT_A_SNAPSHOT, 'more upper-layer blocks than nodes can own');
  for (let i = reservedFrom; i < HEADER_CRC_AT; i++) {
    if (bytes[i] !== 0) throw corrupt(NOT_A_SNAPSHOT, 'reserved header bytes are not zero');
  }

  const fixed = fixedSectionLengths(h);
  for (let i = 0; i < count; i++) {
    const at = SECTIONS_AT + i * SECTION_ENTRY;
    const name = SECTION_NAMES[i]!;
    const s: SectionRef = {
      offset: readU64(view, at, `${name} offset`),
      length: readU64(view, at + 8, `${name} length`),
      crc: view.getUint32(at + 16, true),
    };
    if (view.getUint32(at + 20, true) !== 0) throw corrupt(NOT_A_SNAPSHOT, `${name}: reserved field is not zero`);
    if (s.offset < HNSW_HEADER_BYTES || s.offset + s.length > fileSize) {
      throw corrupt(NOT_A_SNAPSHOT, `${name} section [${s.offset}, +${s.length}) lies outside the ${fileSize}-byte file`);
    }
    const want = fixed[i];
    if (want !== null && want !== undefined && s.length !== want) {
      throw corrupt(NOT_A_SNAPSHOT, `${name} section has ${s.length} bytes, the header's counts need ${want}`);
    }
    if (want === null && s.length < h.slots * 4) throw corrupt(NOT_A_SNAPSHOT, `${name} section is too short for ${h.slots} slots`);
    h.sections.push(s);
  }
  const sorted = [...h.sections].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.offset + sorted[i - 1]!.length > sorted[i]!.offset) throw corrupt(NOT_A_SNAPSHOT, 'sections overlap');
  }
  return h;
}

/**
 * Reads section `index` into `sinks` (whose lengths must add up to the section's) in pieces, checks
 * its CRC, and calls `onBytes` after each piece (where the caller reports progress and may abort).
 */
export async function readSection(
  file: StorageFile,
  header: HnswSnapshotHeader,
  index: number,
  sinks: Iterable<Uint8Array>,
  onBytes?: (n: number) => void | Promise<void>,
): Promise<void> {
  const s = header.sections[index]!;
  let pos = s.offset;
  let crc = 0;
  for (const sink of sinks) {
    for (let done = 0; done < sink.length; ) {
      const piece = sink.subarray(done, Math.min(sink.length, done + IO_PIECE));
      if (pos + piece.length > s.offset + s.length) throw internalFault('section sinks are longer than the section');
      if (file.read(pos, piece) !== piece.length) throw corrupt(NOT_A_SNAPSHOT, `${SECTION_NAMES[index]} section is truncated`);
      crc = crc32(piece, crc);
      pos += piece.length;
      done += piece.length;
      await onBytes?.(piece.length);
    }
  }
  if (pos !== s.offset + s.length) throw internalFault('section sinks are shorter than the section');
  if (crc !== s.crc) throw corrupt(NOT_A_SNAPSHOT, `${SECTION_NAMES[index]} section checksum mismatch`);
}

/** Reads a whole variable-length section (bounded by the file size, already checked). */
export async function readSectionBytes(
  file: StorageFile,
  header: HnswSnapshotHeader,
  index: number,
  onBytes?: (n: number) => void | Promise<void>,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(header.sections[index]!.length);
  await readSection(file, header, index, [bytes], onBytes);
  return bytes;
}

/** Where sections start: back to back after the header, each 8-byte aligned. */
function alignSection(pos: number): number {
  return Math.ceil(pos / 8) * 8;
}

/**
 * The byte length of the snapshot whose sections have these lengths, as writeSnapshot lays it out: lets
 * a caller choose where a snapshot goes (the persistent index embeds one in a larger file) before
 * writing it.
 */
export function snapshotLength(sectionLengths: readonly number[]): number {
  let pos = HNSW_HEADER_BYTES;
  for (const length of sectionLengths) pos = alignSection(pos) + length;
  return pos;
}

/** Where each section starts in a snapshot whose sections have these lengths (as writeSnapshot lays it out). */
export function sectionOffsets(sectionLengths: readonly number[]): number[] {
  let pos = HNSW_HEADER_BYTES;
  return sectionLengths.map((length) => {
    const start = alignSection(pos);
    pos = start + length;
    return start;
  });
}

/**
 * Writes the sections back to back after the header (8-byte aligned), then the header, into an empty
 * file. Each section is given as the byte ranges it is made of, in order. Returns the snapshot's length.
 */
export function writeSnapshot(file: StorageFile, fields: SnapshotFields, sections: Array<() => Iterable<Uint8Array>>): number {
  if (sections.length !== sectionCount(fields)) throw internalFault('writeSnapshot needs every section');
  const refs: SectionRef[] = [];
  let pos = HNSW_HEADER_BYTES;
  for (const parts of sections) {
    pos = alignSection(pos);
    const start = pos;
    let crc = 0;
    for (const part of parts()) {
      for (let done = 0; done < part.length; done += IO_PIECE) {
        const piece = part.subarray(done, Math.min(part.length, done + IO_PIECE));
        file.write(pos, piece);
        crc = crc32(piece, crc);
        pos += piece.length;
      }
    }
    refs.push({ offset: start, length: pos - start, crc });
  }
  file.write(0, encodeHeader({ ...fields, sections: refs }));
  return pos;
}

/** Per entry: u32 byte length, then UTF-8 bytes; `undefined` is written as length 0. */
export function encodeStrings(values: ReadonlyArray<string | undefined>): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const v of values) {
    const bytes = v === undefined || v === '' ? new Uint8Array(0) : encoder.encode(v);
    if (bytes.length >= 2 ** 32) throw new MemvecError('CAPACITY', 'a key or metadata value is larger than 4 GiB');
    parts.push(bytes);
    total += 4 + bytes.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const p of parts) {
    view.setUint32(pos, p.length, true);
    out.set(p, pos + 4);
    pos += 4 + p.length;
  }
  return out;
}

/** Inverse of encodeStrings for exactly `count` entries; length 0 decodes to undefined. */
export function decodeStrings(bytes: Uint8Array, count: number, what: string): Array<string | undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<string | undefined> = new Array(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) throw corrupt(NOT_A_SNAPSHOT, `${what} section ends before entry ${i}`);
    const len = view.getUint32(pos, true);
    pos += 4;
    if (len > bytes.length - pos) throw corrupt(NOT_A_SNAPSHOT, `${what} entry ${i} runs past the section`);
    if (len === 0) out[i] = undefined;
    else {
      try {
        out[i] = decoder.decode(bytes.subarray(pos, pos + len));
      } catch (err) {
        throw corrupt(NOT_A_SNAPSHOT, `${what} entry ${i} is not UTF-8`, { cause: err });
      }
    }
    pos += len;
  }
  if (pos !== bytes.length) throw corrupt(NOT_A_SNAPSHOT, `${what} section has ${bytes.length - pos} trailing bytes`);
  return out;
}
