/**
 * A complete persistent-index file written in one go: the header in slot 0 (slot 1 left invalid), the
 * snapshot at INDEX_DATA_START, an empty log. Both places that make a new file write it
 * beside its final path and rename it into place, so the path never holds a half-made file: creating
 * an index (open-file.ts) and compacting one (index-file.ts).
 */
import { crc32 } from '../format/crc32.js';
import { internalFault } from '../format/file-errors.js';
import {
  encodeIndexHeader, INDEX_DATA_START, INDEX_HEADER_BYTES, INDEX_SLOT_BYTES, type IndexHeader,
} from '../format/hnsw-file-header.js';
import type { StorageFile } from '../storage/types.js';
import { RangeFile } from './range-file.js';
import type { Snapshot } from './snapshot-io.js';

/** replaceFile's suffix for compaction's new file; a writer's open removes one a crash left behind. */
export const COMPACT_SUFFIX = 'compact.tmp';

/** Writes the whole file (from offset 0, whatever `file` held before; replaceFile syncs it); returns its header. */
export function writeWholeIndexFile(
  file: StorageFile, snap: Snapshot, fields: Pick<IndexHeader, 'sequence' | 'orderedSlots' | 'seed'>,
): IndexHeader {
  file.truncate(0);
  const range = new RangeFile(file, INDEX_DATA_START, snap.length);
  const end = snap.write(range);
  if (end !== snap.length) throw internalFault(`the snapshot took ${end} bytes, ${snap.length} were planned`);
  const header: IndexHeader = {
    ...fields,
    snapshotOffset: INDEX_DATA_START,
    snapshotLength: snap.length,
    logOffset: INDEX_DATA_START + snap.length,
    logLength: 0,
    logRecords: 0,
    logCrc: 0,
    snapshotCrc: crc32(range.headBytes),
  };
  // Slot 1 starts out invalid (zeros), so slot 0 is the committed header.
  file.write(INDEX_SLOT_BYTES, new Uint8Array(INDEX_HEADER_BYTES));
  file.write(0, encodeIndexHeader(header));
  return header;
}
