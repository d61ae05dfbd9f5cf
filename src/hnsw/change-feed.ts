/**
 * The change feed of a persistent index (HnswIndex.changesSince): the operation log of its file, read
 * from a cursor. A cursor names a position in ONE log of ONE snapshot (its offset, length and header
 * CRC), so it stays valid while writers append, and stops being valid when a checkpoint folds the log
 * into a new snapshot or another file is renamed over the path (compact). Then the feed says so, and
 * the consumer starts again from the whole committed state (which HnswIndex opens read-only).
 *
 * The feed reads the FILE, never the index in memory: what it returns is committed, whatever a writer
 * is doing meanwhile (a batch in progress is not in the log until it commits).
 */
import { isMemvecError } from '../errors.js';
import type { IndexHeader } from '../format/hnsw-file-header.js';
import type { LogOp } from '../format/hnsw-log-record.js';
import type { StorageBackend } from '../storage/types.js';
import { cursorAt, type LogCursor } from './log-cursor.js';
import { readLog } from './log-replay.js';
import { readCommitted, readIndexHeader } from './open-file.js';

/** One committed change, in log order. An insert of a key the index held replaces it: an upsert. */
export type HnswChange<M = unknown> =
  | { type: 'upsert'; key: string; vector: Float32Array; metadata: M | undefined }
  | { type: 'delete'; key: string }
  | { type: 'metadata'; key: string; metadata: M | undefined };

const continues = (c: LogCursor, h: IndexHeader): boolean =>
  c.snapshotOffset === h.snapshotOffset && c.snapshotLength === h.snapshotLength && c.snapshotCrc === h.snapshotCrc
  && c.logOffset === h.logOffset && c.position.length <= h.logLength && c.position.records <= h.logRecords;

/**
 * The changes committed to the file at `path` after `since`, and the cursor past them; null when
 * `since` does not continue in the file's log (see the module comment).
 */
export function readChanges<M>(
  backend: StorageBackend, path: string, dimension: number, since: LogCursor,
): Promise<{ cursor: LogCursor; changes: HnswChange<M>[] } | null> {
  return readCommitted(backend, path, true, null, async (file, header) => {
    if (!continues(since, header)) return null;
    let ops;
    try {
      ops = readLog(file, path, header, since.position, dimension);
    } catch (err) {
      // The log up to the cursor is not the one the cursor read (another file at the path with the same
      // snapshot placement), unless a writer committed meanwhile: then readCommitted reads again.
      if (!isMemvecError(err, 'CORRUPT_FILE') || readIndexHeader(file, path).header.sequence !== header.sequence) throw err;
      return null;
    }
    const end = ops.at(-1)?.after ?? since.position;
    return { cursor: cursorAt(header, end), changes: ops.flatMap(({ op }) => changesOf<M>(op)) };
  });
}

const parse = <M>(json: string | undefined): M | undefined => (json === undefined ? undefined : JSON.parse(json) as M);

function changesOf<M>(op: LogOp): HnswChange<M>[] {
  switch (op.type) {
    case 'delete':
      return op.keys.map((key) => ({ type: 'delete', key }));
    case 'meta':
      return [{ type: 'metadata', key: op.key, metadata: parse<M>(op.metaJson) }];
    default: {
      const d = op.data.length / op.keys.length;
      return op.keys.map((key, i) => ({
        type: 'upsert', key, vector: op.data.slice(i * d, (i + 1) * d), metadata: parse<M>(op.metaJson[i]),
      }));
    }
  }
}
