/**
 * A position in the history of a persistent index file, for its change feed (change-feed.ts): the
 * snapshot a log follows (its offset, length and header CRC) and the prefix of that log read so far.
 */
import { MemvecError } from '../errors.js';
import type { IndexHeader } from '../format/hnsw-file-header.js';
import { describe } from '../validate.js';
import type { LogPosition } from './log-replay.js';

/** Where a log was read to: the snapshot it follows and the prefix of it that was read. */
export interface LogCursor {
  snapshotOffset: number;
  snapshotLength: number;
  snapshotCrc: number;
  logOffset: number;
  position: LogPosition;
}

const PREFIX = 'mvc1';

export function cursorAt(header: IndexHeader, position: LogPosition): LogCursor {
  const { snapshotOffset, snapshotLength, snapshotCrc, logOffset } = header;
  return { snapshotOffset, snapshotLength, snapshotCrc, logOffset, position };
}

/** Opaque to callers: a short string they can store anywhere (syncToPostgres keeps it in a table). */
export function encodeCursor(c: LogCursor): string {
  const p = c.position;
  return [PREFIX, c.snapshotOffset, c.snapshotLength, c.snapshotCrc, c.logOffset, p.length, p.records, p.crc].join('.');
}

export function decodeCursor(text: unknown): LogCursor {
  const bad = (): MemvecError => new MemvecError('INVALID_ARGUMENT', `${describe(text)} is not a cursor returned by changesSince`);
  if (typeof text !== 'string') throw bad();
  const parts = text.split('.');
  if (parts.length !== 8 || parts[0] !== PREFIX) throw bad();
  const n = parts.slice(1).map((s) => (/^\d{1,16}$/.test(s) ? Number(s) : NaN));
  if (n.some((v) => !Number.isSafeInteger(v))) throw bad();
  const [snapshotOffset, snapshotLength, snapshotCrc, logOffset, length, records, crc] = n as [number, number, number, number, number, number, number];
  return { snapshotOffset, snapshotLength, snapshotCrc, logOffset, position: { length, records, crc } };
}

