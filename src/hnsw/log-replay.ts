/**
 * Reading and replaying the committed operation log of a persistent index, for open() (the whole log)
 * and for a reader's refresh() (only the records appended since it last looked). Reading comes first
 * and checks everything: each record's length against what is left of the log before anything is
 * allocated, its CRC before it is decoded, and the chained CRC and record count against the header at
 * the end. Only then are the records applied, so a log that does not check out changes nothing.
 * Bytes past the committed length (a torn append) are never read.
 */
import { isMemvecError, MemvecError } from '../errors.js';
import { crc32 } from '../format/crc32.js';
import { corrupt } from '../format/file-errors.js';
import type { IndexHeader } from '../format/hnsw-file-header.js';
import { decodeRecordBody, decodeRecordHeader, type LogOp, MIN_RECORD_BYTES, RECORD_HEADER_BYTES } from '../format/hnsw-log-record.js';
import type { StorageFile } from '../storage/types.js';
import { checkSignal } from '../validate.js';
import type { IndexCore } from './index-core.js';
import { now, YIELD_MS, yieldToEventLoop } from './time.js';
import { batchInsert, deleteMany, insert, updateMetadata } from './writes.js';

/** How far into a header's log an index has applied: a prefix of whole records. */
export interface LogPosition {
  /** Bytes of the log applied. */
  length: number;
  records: number;
  /** CRC-32 of those bytes, chained as the header's logCrc is. */
  crc: number;
}

export const LOG_START: LogPosition = { length: 0, records: 0, crc: 0 };

/** A checked record and the log position just past it. */
export interface LoggedOp {
  op: LogOp;
  after: LogPosition;
}

/** The records of `h`'s log from `from` (a record boundary of that same log) to its committed end. */
export function readLog(file: StorageFile, path: string, h: IndexHeader, from: LogPosition, dimension: number): LoggedOp[] {
  const end = h.logOffset + h.logLength;
  const head = new Uint8Array(RECORD_HEADER_BYTES);
  let pos = h.logOffset + from.length;
  let crc = from.crc;
  let records = from.records;
  const out: LoggedOp[] = [];
  while (pos < end) {
    if (end - pos < MIN_RECORD_BYTES) throw corrupt(path, 'the log ends inside a record');
    if (file.read(pos, head) !== head.length) throw corrupt(path, 'the file ends inside its log');
    const { bodyLength, crc: bodyCrc } = decodeRecordHeader(head);
    if (bodyLength > end - pos - RECORD_HEADER_BYTES) throw corrupt(path, `log record ${records} runs past the committed log`);
    // A fresh buffer: the body starts 4-byte aligned, as decodeRecordBody needs.
    const body = new Uint8Array(bodyLength);
    if (file.read(pos + RECORD_HEADER_BYTES, body) !== bodyLength) throw corrupt(path, 'the file ends inside its log');
    if (crc32(body) !== bodyCrc) throw corrupt(path, `log record ${records} checksum mismatch`);
    crc = crc32(body, crc32(head, crc));
    let op: LogOp;
    try {
      op = decodeRecordBody(body, dimension);
    } catch (err) {
      const code = isMemvecError(err) ? err.code : 'CORRUPT_FILE';
      throw new MemvecError(code, `${path}: log record ${records}: ${(err as Error).message}`, { cause: err });
    }
    pos += RECORD_HEADER_BYTES + bodyLength;
    records++;
    out.push({ op, after: { length: pos - h.logOffset, records, crc } });
  }
  if (records !== h.logRecords) throw corrupt(path, `the header counts ${h.logRecords} log records, the log holds ${records}`);
  if (crc !== h.logCrc) throw corrupt(path, 'log checksum mismatch');
  return out;
}

export interface ApplyOptions {
  signal?: AbortSignal | undefined;
  /** Called with the log bytes applied so far (of the log's whole length). */
  onBytes?: ((done: number) => void) | undefined;
  /** Yield to the event loop between records (open: the index is not anyone's yet). */
  yields: boolean;
  /** After each record is in the index (refresh keeps its position exact even if a later one fails). */
  applied?: (after: LogPosition) => void;
}

/** Replays checked records through the writes the writer made (writes.ts: so the result is the writer's index). */
export async function applyLog(core: IndexCore, ops: readonly LoggedOp[], path: string, opts: ApplyOptions): Promise<void> {
  let lastYield = now();
  for (const { op, after } of ops) {
    checkSignal(opts.signal);
    await applyOne(core, op, path, after.records - 1);
    opts.applied?.(after);
    opts.onBytes?.(after.length);
    if (opts.yields && now() - lastYield > YIELD_MS) {
      await yieldToEventLoop();
      lastYield = now();
    }
  }
  checkSignal(opts.signal);
}

/** Replays one record. Input the writer would have refused is corruption. */
async function applyOne(core: IndexCore, op: LogOp, path: string, n: number): Promise<void> {
  try {
    if (op.type === 'delete') {
      // Written by delete (one key) or deleteMany (its distinct keys, all held): all must be there.
      for (const key of op.keys) if (!core.has(key)) throw corrupt(path, `log record ${n} deletes a key the index does not hold`);
      deleteMany(core, op.keys);
      return;
    }
    if (op.type === 'meta') {
      updateMetadata(core, op.key, op.metaJson === undefined ? undefined : JSON.parse(op.metaJson) as unknown);
      return;
    }
    const metas = op.metaJson.map((json) => (json === undefined ? undefined : JSON.parse(json) as unknown));
    if (op.type === 'insert') insert(core, op.keys[0]!, op.data, metas[0]);
    else await batchInsert(core, op.data, op.keys, metas);
  } catch (err) {
    const refused = err instanceof SyntaxError || isMemvecError(err, 'INVALID_ARGUMENT') || isMemvecError(err, 'INVALID_VECTOR')
      || isMemvecError(err, 'DIMENSION_MISMATCH') || isMemvecError(err, 'UNKNOWN_ID');
    if (!refused) throw err;
    throw new MemvecError('CORRUPT_FILE', `${path}: log record ${n} cannot be replayed: ${(err as Error).message}`, { cause: err });
  }
}
