/**
 * The two header slots both memvec file kinds commit through (the exact store's file and the
 * persistent HNSW index). Each slot is its own 4 KiB page, so a torn write of one cannot touch the
 * other; a commit writes the data it points to, syncs, writes the OTHER slot with sequence + 1 and
 * syncs again, and opening takes the valid slot with the higher sequence.
 *
 * Every header shares one frame (little-endian): magic (8 bytes) at 0, format version u32 at 8, header
 * size u32 at 12, sequence u64 at 16, the format's own fields, and the CRC-32 of everything before it
 * in the last 4 bytes.
 */
import { isMemvecError, MemvecError } from '../errors.js';
import type { StorageFile } from '../storage/types.js';
import { crc32 } from './crc32.js';

export const SLOT_BYTES = 4096;
export const HEADER_BYTES = 128;
export const F_VERSION = 8;
const F_HEADER_BYTES = 12;
export const F_SEQUENCE = 16;
const F_HEADER_CRC = HEADER_BYTES - 4;

export interface HeaderKind {
  magic: string;
  /** The version this kind writes. */
  version: number;
  /** Every version this build reads (default: `version` alone); the decoder tells them apart. */
  reads?: readonly number[];
  /** What the file is, for error messages: "a memvec vector file". */
  description: string;
}

export type SlotReading<H> =
  | { kind: 'valid'; header: H }
  | { kind: 'foreign' } // not our magic: never written, torn, or another kind of file
  | { kind: 'damaged'; reason: string } // our magic, but the checksum or a field is wrong
  | { kind: 'newer'; version: number };

export function setU64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

export function getU64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  // Past 2^53 no number holds it exactly, and no real offset or count gets there: corruption.
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

/** A sealed header: the frame, `sequence`, whatever `fill` writes, then the checksum. */
export function encodeHeader(kind: HeaderKind, sequence: number, fill: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(kind.magic), 0);
  view.setUint32(F_VERSION, kind.version, true);
  view.setUint32(F_HEADER_BYTES, HEADER_BYTES, true);
  setU64(view, F_SEQUENCE, sequence);
  fill(view);
  view.setUint32(F_HEADER_CRC, crc32(bytes.subarray(0, F_HEADER_CRC)), true);
  return bytes;
}

/**
 * Checks one slot's frame (magic, checksum, version, size), then hands its view to `decode`, which
 * returns the header or the reason it cannot be trusted.
 */
export function decodeSlot<H>(kind: HeaderKind, bytes: Uint8Array, decode: (view: DataView) => H | string): SlotReading<H> {
  if (bytes.length < HEADER_BYTES) return { kind: 'foreign' };
  const magic = new TextEncoder().encode(kind.magic);
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return { kind: 'foreign' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(F_HEADER_CRC, true) !== crc32(bytes.subarray(0, F_HEADER_CRC))) {
    return { kind: 'damaged', reason: 'header checksum mismatch' };
  }
  const version = view.getUint32(F_VERSION, true);
  if (!(kind.reads ?? [kind.version]).includes(version)) return { kind: 'newer', version };
  if (view.getUint32(F_HEADER_BYTES, true) !== HEADER_BYTES) return { kind: 'damaged', reason: 'unexpected header size' };
  if (!Number.isSafeInteger(getU64(view, F_SEQUENCE))) return { kind: 'damaged', reason: 'sequence out of range' };
  const header = decode(view);
  return typeof header === 'string' ? { kind: 'damaged', reason: header } : { kind: 'valid', header };
}

/** Reads both slots of `file` and decodes each against the file's size. */
export function readSlots<H>(file: StorageFile, decode: (bytes: Uint8Array, fileSize: number) => SlotReading<H>): SlotReading<H>[] {
  const size = file.size();
  return [0, 1].map((slot) => {
    const bytes = new Uint8Array(HEADER_BYTES);
    file.read(slot * SLOT_BYTES, bytes);
    return decode(bytes, size);
  });
}

/**
 * The commit step: syncs the data the new header points to, writes `header` into `slot` (the one that
 * does NOT hold the committed header) and syncs again. If the first sync fails, the committed state is
 * untouched and the error is simply thrown. From the header write on, what is on disk is unknown, so
 * `onUnknownOutcome` runs (the caller closes itself) before the error is thrown.
 */
export function commitHeader(file: StorageFile, slot: number, header: Uint8Array, onUnknownOutcome: (err: unknown) => void): void {
  file.sync();
  try {
    file.write(slot * SLOT_BYTES, header);
    file.sync();
  } catch (err) {
    onUnknownOutcome(err);
    throw err;
  }
}

/** Picks the newest valid slot, or explains why the file cannot be opened. */
export function chooseNewestSlot<H extends { sequence: number }>(
  kind: HeaderKind,
  slots: SlotReading<H>[],
  path: string,
): { header: H; slot: number } {
  let best = -1;
  slots.forEach((s, i) => {
    const b = slots[best];
    if (s.kind === 'valid' && (b?.kind !== 'valid' || s.header.sequence > b.header.sequence)) best = i;
  });
  const chosen = slots[best];
  if (chosen?.kind === 'valid') return { header: chosen.header, slot: best };
  const newer = slots.find((s) => s.kind === 'newer');
  if (newer?.kind === 'newer') {
    throw new MemvecError('UNSUPPORTED_VERSION', `${path} is ${kind.description} of format ${newer.version}; this build reads ${(kind.reads ?? [kind.version]).join(' and ')}`);
  }
  const damaged = slots.find((s) => s.kind === 'damaged');
  if (damaged?.kind === 'damaged') throw new MemvecError('CORRUPT_FILE', `${path}: ${damaged.reason}`);
  throw new MemvecError('CORRUPT_FILE', `${path} is not ${kind.description} (no valid header)`);
}

/**
 * Whether a reader's CORRUPT_FILE came from a writer committing while it read (readers take no lock):
 * the newest valid header is no longer at `sequence`, the one the reader used. Then reading again is
 * worth it; otherwise the damage is real. Both file kinds' readers ask this before they retry.
 */
export function racedACommit(err: unknown, sequence: number | undefined, newestSequence: () => number): boolean {
  if (sequence === undefined || !isMemvecError(err, 'CORRUPT_FILE')) return false;
  try {
    return newestSequence() !== sequence;
  } catch {
    return false;
  }
}
