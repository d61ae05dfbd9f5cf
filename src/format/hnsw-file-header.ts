/**
 * The persistent HNSW index file (HnswIndex.open): one file holding a snapshot and an operation log.
 *
 * ```
 * [0, 4096)          header slot 0
 * [4096, 8192)       header slot 1
 * [S, S + N)         the snapshot: byte for byte a MEMVECH1 file (src/format/hnsw-snapshot.ts), its
 *                    offsets relative to S. S >= 8192, 4 KiB aligned.
 * [L, L + len)       the operation log (src/format/hnsw-log-record.ts), L >= S + N
 * anything else      free: an older snapshot or log, a torn record; nothing committed points there
 * ```
 * Header (the first 128 bytes of its 4 KiB slot, little-endian):
 * ```
 *   0  8  magic "MEMVECI1"
 *   8  4  format version (1)
 *  12  4  header size (128)
 *  16  8  sequence: the newer of the two valid slots is the committed state
 *  24  8  snapshot offset S
 *  32  8  snapshot length N
 *  40  8  log offset L
 *  48  8  committed log length (bytes past it are ignored, whatever they hold)
 *  56  8  committed log records
 *  64  4  CRC-32 of the committed log bytes
 *  68  4  ordered slots: facade state the snapshot lacks (slots at the last renumbering), which a
 *         batchInsert reads when choosing to renumber; replay needs it to rebuild the writer's graph
 *  72  8  seed the index was created with (the RNG state itself is in the snapshot); lets open()
 *         check a config that names one
 *  80  4  CRC-32 of the snapshot's 320-byte header (which holds every section's CRC): proves that a
 *         reader racing a writer's checkpoints loaded the very snapshot this header points to
 *  84 40  reserved, zero
 * 124  4  CRC-32 of bytes 0..124
 * ```
 * A commit writes past everything the committed header points to, syncs, writes the OTHER slot with
 * sequence + 1, and syncs again, so a crash at any instant leaves the last committed state (see
 * src/format/flat-header.ts: the exact store's protocol, which this one follows). Each slot has its
 * own 4 KiB page so a torn write of one cannot touch the other.
 */
import { MemvecError } from '../errors.js';
import { crc32 } from './crc32.js';
import { MIN_RECORD_BYTES } from './hnsw-log-record.js';

export const INDEX_MAGIC = 'MEMVECI1';
export const INDEX_VERSION = 1;
export const INDEX_SLOT_BYTES = 4096;
export const INDEX_HEADER_BYTES = 128;
/** Where the first snapshot goes, past both slots. */
export const INDEX_DATA_START = 2 * INDEX_SLOT_BYTES;
/** Snapshots start on a page boundary. */
export const SNAPSHOT_ALIGN = 4096;

export interface IndexHeader {
  sequence: number;
  snapshotOffset: number;
  snapshotLength: number;
  logOffset: number;
  logLength: number;
  logRecords: number;
  logCrc: number;
  orderedSlots: number;
  seed: number;
  snapshotCrc: number;
}

const MAGIC_BYTES = new TextEncoder().encode(INDEX_MAGIC);

const F_VERSION = 8;
const F_HEADER_BYTES = 12;
const F_SEQUENCE = 16;
const F_SNAPSHOT_OFFSET = 24;
const F_SNAPSHOT_LENGTH = 32;
const F_LOG_OFFSET = 40;
const F_LOG_LENGTH = 48;
const F_LOG_RECORDS = 56;
const F_LOG_CRC = 64;
const F_ORDERED = 68;
const F_SEED = 72;
const F_SNAPSHOT_CRC = 80;
const F_RESERVED = 84;
const F_HEADER_CRC = INDEX_HEADER_BYTES - 4;

function setU64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

function getU64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  // Past 2^53 no number holds it exactly, and no real offset or count gets there: corruption.
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

export function encodeIndexHeader(h: IndexHeader): Uint8Array {
  const bytes = new Uint8Array(INDEX_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC_BYTES, 0);
  view.setUint32(F_VERSION, INDEX_VERSION, true);
  view.setUint32(F_HEADER_BYTES, INDEX_HEADER_BYTES, true);
  setU64(view, F_SEQUENCE, h.sequence);
  setU64(view, F_SNAPSHOT_OFFSET, h.snapshotOffset);
  setU64(view, F_SNAPSHOT_LENGTH, h.snapshotLength);
  setU64(view, F_LOG_OFFSET, h.logOffset);
  setU64(view, F_LOG_LENGTH, h.logLength);
  setU64(view, F_LOG_RECORDS, h.logRecords);
  view.setUint32(F_LOG_CRC, h.logCrc >>> 0, true);
  view.setUint32(F_ORDERED, h.orderedSlots, true);
  setU64(view, F_SEED, h.seed);
  view.setUint32(F_SNAPSHOT_CRC, h.snapshotCrc >>> 0, true);
  view.setUint32(F_HEADER_CRC, crc32(bytes.subarray(0, F_HEADER_CRC)), true);
  return bytes;
}

export type IndexSlotReading =
  | { kind: 'valid'; header: IndexHeader }
  | { kind: 'foreign' } // not our magic: never written, or another kind of file
  | { kind: 'damaged'; reason: string } // our magic, but the checksum or a field is wrong
  | { kind: 'newer'; version: number };

/**
 * Decodes one slot and checks all that can be checked without the rest of the file: magic, checksum,
 * version, and every offset and length against a file of `fileSize` bytes.
 */
export function decodeIndexSlot(bytes: Uint8Array, fileSize: number): IndexSlotReading {
  if (bytes.length < INDEX_HEADER_BYTES) return { kind: 'foreign' };
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) return { kind: 'foreign' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_HEADER_BYTES);
  if (view.getUint32(F_HEADER_CRC, true) !== crc32(bytes.subarray(0, F_HEADER_CRC))) {
    return { kind: 'damaged', reason: 'header checksum mismatch' };
  }
  const version = view.getUint32(F_VERSION, true);
  if (version !== INDEX_VERSION) return { kind: 'newer', version };
  const h: IndexHeader = {
    sequence: getU64(view, F_SEQUENCE),
    snapshotOffset: getU64(view, F_SNAPSHOT_OFFSET),
    snapshotLength: getU64(view, F_SNAPSHOT_LENGTH),
    logOffset: getU64(view, F_LOG_OFFSET),
    logLength: getU64(view, F_LOG_LENGTH),
    logRecords: getU64(view, F_LOG_RECORDS),
    logCrc: view.getUint32(F_LOG_CRC, true),
    orderedSlots: view.getUint32(F_ORDERED, true),
    seed: getU64(view, F_SEED),
    snapshotCrc: view.getUint32(F_SNAPSHOT_CRC, true),
  };
  const reason = checkFields(h, view, fileSize);
  return reason ? { kind: 'damaged', reason } : { kind: 'valid', header: h };
}

function checkFields(h: IndexHeader, view: DataView, fileSize: number): string | undefined {
  if (view.getUint32(F_HEADER_BYTES, true) !== INDEX_HEADER_BYTES) return 'unexpected header size';
  for (let at = F_RESERVED; at < F_HEADER_CRC; at++) if (view.getUint8(at) !== 0) return 'reserved header bytes are not zero';
  for (const key of ['sequence', 'snapshotOffset', 'snapshotLength', 'logOffset', 'logLength', 'logRecords', 'seed'] as const) {
    if (!Number.isSafeInteger(h[key])) return `${key} out of range`;
  }
  if (h.snapshotOffset < INDEX_DATA_START || h.snapshotOffset % SNAPSHOT_ALIGN !== 0) return 'bad snapshot offset';
  if (h.snapshotOffset + h.snapshotLength > h.logOffset) return 'the log overlaps the snapshot';
  if (h.logOffset + h.logLength > fileSize) return 'the log extends past the end of the file';
  if (h.logRecords * MIN_RECORD_BYTES > h.logLength) return 'more log records than the log can hold';
  if ((h.logLength === 0) !== (h.logRecords === 0)) return 'log length and record count disagree';
  if (h.logLength === 0 && h.logCrc !== 0) return 'an empty log with a checksum';
  return undefined;
}

/** Picks the newest valid slot, or explains why the file cannot be opened. */
export function chooseIndexHeader(slots: IndexSlotReading[], path: string): { header: IndexHeader; slot: number } {
  let best = -1;
  slots.forEach((s, i) => {
    const b = slots[best];
    if (s.kind === 'valid' && (b === undefined || b.kind !== 'valid' || s.header.sequence > b.header.sequence)) best = i;
  });
  const chosen = slots[best];
  if (chosen?.kind === 'valid') return { header: chosen.header, slot: best };
  const newer = slots.find((s) => s.kind === 'newer');
  if (newer?.kind === 'newer') {
    throw new MemvecError('UNSUPPORTED_VERSION', `${path} uses memvec HNSW index format ${newer.version}; this build reads ${INDEX_VERSION}`);
  }
  const damaged = slots.find((s) => s.kind === 'damaged');
  if (damaged?.kind === 'damaged') throw new MemvecError('CORRUPT_FILE', `${path}: ${damaged.reason}`);
  throw new MemvecError('CORRUPT_FILE', `${path} is not a memvec HNSW index file (no valid header)`);
}
