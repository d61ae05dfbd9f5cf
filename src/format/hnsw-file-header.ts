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
 * A commit writes past everything the committed header points to, syncs, then flips the header slot
 * (src/format/header-slots.ts, shared with the exact store), so a crash at any instant leaves the last
 * committed state.
 */
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
import { MIN_RECORD_BYTES } from './hnsw-log-record.js';

import { INDEX_MAGIC } from './magic.js';

export { INDEX_MAGIC };
export const INDEX_VERSION = 1;
export const INDEX_SLOT_BYTES = SLOT_BYTES;
export const INDEX_HEADER_BYTES = HEADER_BYTES;
/** Where the first snapshot goes, past both slots. */
export const INDEX_DATA_START = 2 * INDEX_SLOT_BYTES;
/** Snapshots start on a page boundary. */
export const SNAPSHOT_ALIGN = 4096;

const KIND: HeaderKind = { magic: INDEX_MAGIC, version: INDEX_VERSION, description: 'a memvec HNSW index file' };

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

// Field offsets after the shared frame (magic, version, size, sequence).
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

export function encodeIndexHeader(h: IndexHeader): Uint8Array {
  return encodeHeader(KIND, h.sequence, (view) => {
    setU64(view, F_SNAPSHOT_OFFSET, h.snapshotOffset);
    setU64(view, F_SNAPSHOT_LENGTH, h.snapshotLength);
    setU64(view, F_LOG_OFFSET, h.logOffset);
    setU64(view, F_LOG_LENGTH, h.logLength);
    setU64(view, F_LOG_RECORDS, h.logRecords);
    view.setUint32(F_LOG_CRC, h.logCrc >>> 0, true);
    view.setUint32(F_ORDERED, h.orderedSlots, true);
    setU64(view, F_SEED, h.seed);
    view.setUint32(F_SNAPSHOT_CRC, h.snapshotCrc >>> 0, true);
  });
}

export type IndexSlotReading = SlotReading<IndexHeader>;

/**
 * Decodes one slot and checks all that can be checked without the rest of the file: the frame, and
 * every offset and length against a file of `fileSize` bytes.
 */
export function decodeIndexSlot(bytes: Uint8Array, fileSize: number): IndexSlotReading {
  return decodeSlot(KIND, bytes, (view) => {
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
    return checkFields(h, view, fileSize) ?? h;
  });
}

function checkFields(h: IndexHeader, view: DataView, fileSize: number): string | undefined {
  for (let at = F_RESERVED; at < F_HEADER_CRC; at++) if (view.getUint8(at) !== 0) return 'reserved header bytes are not zero';
  for (const key of ['snapshotOffset', 'snapshotLength', 'logOffset', 'logLength', 'logRecords', 'seed'] as const) {
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
  return chooseNewestSlot(KIND, slots, path);
}
