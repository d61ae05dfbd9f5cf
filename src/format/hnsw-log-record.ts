/**
 * Records of the persistent HNSW index's operation log (layout of the file: hnsw-file-header.ts). Each
 * committed insert, batchInsert, delete / deleteMany and updateMetadata is one record, appended past the committed end of the log;
 * opening replays them in order through the same HnswIndex calls, which rebuilds the writer's index
 * exactly (the engine is deterministic given the snapshot, and the snapshot carries the RNG state).
 *
 * ```
 * record (back to back from the log offset, unaligned)
 *   0  4  body length B
 *   4  4  CRC-32 of the body
 *   8  B  body
 * body
 *   0  1  type: 1 insert, 2 batchInsert, 3 delete (delete and deleteMany: n keys), 4 updateMetadata
 *   1  3  reserved, zero
 *   4  4  rows n (1 for insert and updateMetadata)
 *   8  4  K: bytes of keys
 *  12  4  J: bytes of metadata (0 for delete)
 *  16  n·dim·4  vectors, f32 (none for delete and updateMetadata); 4-byte aligned within the body
 *      K  keys: per row u32 byte length + UTF-8
 *      J  metadata: per row u32 byte length + JSON as UTF-8; length 0 = no metadata
 * ```
 * Insert and batchInsert are separate types because they are separate code paths: a batch may renumber
 * slots for locality where single inserts never do, and replay must take the path the writer took.
 *
 * Compatibility: type 4 was added without a format version bump, because a reader that predates it
 * rejects the record as a whole (its decoder throws CORRUPT_FILE on an unknown type, after the CRC
 * matched and before anything is applied) instead of misreading it, and a checkpoint folds it into a
 * snapshot that every reader of this format reads. deleteMany needed no new type: the delete record
 * always held a list of keys, and every reader replays each of them. This reader reports an unknown
 * type (a record from a newer memvec) as UNSUPPORTED_VERSION.
 */
import { MemvecError } from '../errors.js';
import { crc32 } from './crc32.js';
import { corrupt } from './file-errors.js';
import { decodeStrings, encodeStrings } from './hnsw-snapshot.js';

export const RECORD_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 16;
/** The smallest possible record: bounds how many records a log of some length can claim. */
export const MIN_RECORD_BYTES = RECORD_HEADER_BYTES + BODY_FIXED_BYTES;
const MAX_BODY = 0xffff_ffff;

const TYPE_INSERT = 1;
const TYPE_BATCH = 2;
const TYPE_DELETE = 3;
const TYPE_UPDATE_META = 4;

/** Rows as HnswIndex holds them once validated: metadata are the stored JSON values (or undefined). */
export interface LoggedRows {
  keys: readonly string[];
  data: Float32Array;
  metas: readonly unknown[];
}

export type LogOp =
  | { type: 'insert' | 'batch'; keys: string[]; data: Float32Array; metaJson: Array<string | undefined> }
  | { type: 'delete'; keys: string[] }
  | { type: 'meta'; key: string; metaJson: string | undefined };

function record(type: number, rows: number, keys: Uint8Array, metas: Uint8Array, vectors: Uint8Array): Uint8Array {
  const bodyLength = BODY_FIXED_BYTES + vectors.length + keys.length + metas.length;
  if (bodyLength > MAX_BODY) {
    throw new MemvecError('CAPACITY', `one log record holds at most 4 GiB; split this batch (${bodyLength} bytes)`);
  }
  const out = new Uint8Array(RECORD_HEADER_BYTES + bodyLength);
  const view = new DataView(out.buffer);
  const body = out.subarray(RECORD_HEADER_BYTES);
  view.setUint32(0, bodyLength, true);
  view.setUint8(8, type);
  view.setUint32(12, rows, true);
  view.setUint32(16, keys.length, true);
  view.setUint32(20, metas.length, true);
  let pos = BODY_FIXED_BYTES;
  for (const part of [vectors, keys, metas]) {
    body.set(part, pos);
    pos += part.length;
  }
  view.setUint32(4, crc32(body), true);
  return out;
}

/** The record of an insert (one row) or a batchInsert. */
export function encodeInsertRecord(rows: LoggedRows, batch: boolean): Uint8Array {
  const n = rows.keys.length;
  const metas = encodeStrings(rows.metas.map((m) => (m === undefined ? undefined : JSON.stringify(m))));
  const vectors = new Uint8Array(rows.data.buffer, rows.data.byteOffset, rows.data.byteLength);
  return record(batch ? TYPE_BATCH : TYPE_INSERT, n, encodeStrings(rows.keys), metas, vectors);
}

export function encodeDeleteRecord(keys: readonly string[]): Uint8Array {
  return record(TYPE_DELETE, keys.length, encodeStrings(keys), new Uint8Array(0), new Uint8Array(0));
}

/** updateMetadata's record: one key and its new stored metadata (undefined: none). */
export function encodeUpdateMetaRecord(key: string, metadata: unknown): Uint8Array {
  const json = metadata === undefined ? undefined : JSON.stringify(metadata);
  return record(TYPE_UPDATE_META, 1, encodeStrings([key]), encodeStrings([json]), new Uint8Array(0));
}

/** Reads a record's header: the body length and CRC. */
export function decodeRecordHeader(bytes: Uint8Array): { bodyLength: number; crc: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_HEADER_BYTES);
  return { bodyLength: view.getUint32(0, true), crc: view.getUint32(4, true) };
}

/**
 * Decodes a body whose CRC matched. Every count is checked against the body's length before it is
 * used, so a record that is well-formed on the outside but inconsistent inside is CORRUPT_FILE.
 * `body` must start at a 4-byte aligned offset of its buffer (the vectors are viewed, not copied).
 */
export function decodeRecordBody(body: Uint8Array, dimension: number): LogOp {
  if (body.length < BODY_FIXED_BYTES) throw corrupt(null, 'a log record is shorter than its fixed fields');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const type = view.getUint8(0);
  if (view.getUint8(1) !== 0 || view.getUint16(2, true) !== 0) throw corrupt(null, 'reserved bytes of a log record are not zero');
  const n = view.getUint32(4, true);
  const keyBytes = view.getUint32(8, true);
  const metaBytes = view.getUint32(12, true);
  if (type !== TYPE_INSERT && type !== TYPE_BATCH && type !== TYPE_DELETE && type !== TYPE_UPDATE_META) {
    // Its CRC matched: a whole record this build does not know, written by a newer memvec.
    throw new MemvecError('UNSUPPORTED_VERSION', `log record type ${type} is from a newer memvec; this build reads types 1 to 4`);
  }
  const vectorBytes = type === TYPE_DELETE || type === TYPE_UPDATE_META ? 0 : n * dimension * 4;
  if (n === 0 || ((type === TYPE_INSERT || type === TYPE_UPDATE_META) && n !== 1) || (type === TYPE_DELETE && metaBytes !== 0)) {
    throw corrupt(null, 'a log record has the wrong shape for its type');
  }
  if (BODY_FIXED_BYTES + vectorBytes + keyBytes + metaBytes !== body.length) throw corrupt(null, 'a log record\'s lengths do not add up');
  let pos = BODY_FIXED_BYTES;
  const data = new Float32Array(body.buffer, body.byteOffset + pos, vectorBytes / 4);
  pos += vectorBytes;
  // decodeStrings checks each entry against the section, and that exactly n entries fill it.
  const keys = decodeStrings(body.subarray(pos, pos + keyBytes), n, 'log keys');
  pos += keyBytes;
  if (keys.some((k) => k === undefined)) throw corrupt(null, 'a log record has an empty key');
  if (type === TYPE_DELETE) return { type: 'delete', keys: keys as string[] };
  const metaJson = decodeStrings(body.subarray(pos, pos + metaBytes), n, 'log metadata');
  if (type === TYPE_UPDATE_META) return { type: 'meta', key: keys[0]!, metaJson: metaJson[0] };
  return { type: type === TYPE_INSERT ? 'insert' : 'batch', keys: keys as string[], data, metaJson };
}
