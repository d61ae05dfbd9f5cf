/**
 * File-level steps of a MemMapVector file that need no open store: reading the newest header,
 * creating an empty file atomically, and committing the first header of a freshly written file.
 */
import type { ElementType } from '../engine/element-type.js';
import { MemvecError } from '../errors.js';
import { crc32 } from '../format/crc32.js';
import {
  bitmapBytes,
  chooseFlatHeader,
  decodeFlatSlot,
  encodeFlatHeader,
  type FlatHeader,
  HEADER_BYTES,
  layoutOf,
  SLOT_BYTES,
  VECTORS_OFFSET,
} from '../format/flat-header.js';
import { checkFileKind } from '../format/file-kind.js';
import { chooseSegmentRows } from '../format/flat-layout.js';
import { readSlots } from '../format/header-slots.js';
import { replaceFile } from '../storage/replace-file.js';
import type { StorageBackend, StorageFile, WriterLock } from '../storage/types.js';
import { planRegion, regionEnd } from './region-plan.js';

export function popcount8(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

export function readHeader(file: StorageFile, path: string): { header: FlatHeader; slot: number } {
  checkFileKind(file, path, 'vectors');
  const size = file.size();
  if (size < VECTORS_OFFSET) throw new MemvecError('CORRUPT_FILE', `${path} is too short (${size} bytes) to be a memvec vector file`);
  return chooseFlatHeader(readSlots(file, decodeFlatSlot), path);
}

/** What a file's rows are: fixed when the file is created, kept by compaction. */
export type FlatShape = Pick<FlatHeader, 'dimension' | 'precision' | 'segmentRows'>;

/**
 * Completes a new file (written beside its path, see replaceFile, which syncs it) whose `count` vectors
 * are already written, none of them deleted: the bitmap region, slot 1 invalid, and the header in slot
 * 0. A rewrite of an existing store passes the next sequence, so sequences only grow at a path.
 */
export function writeFreshHeader(file: StorageFile, shape: FlatShape, count: number, tight = false, sequence = 1): void {
  const { dimension, precision, segmentRows } = shape;
  const plan = planRegion(count, layoutOf(shape), tight);
  file.truncate(regionEnd(plan));
  const bitmap = new Uint8Array(bitmapBytes(count));
  file.write(plan.bitmapRegion, bitmap);
  file.write(SLOT_BYTES, new Uint8Array(HEADER_BYTES)); // slot 1 starts invalid
  const header: FlatHeader = {
    sequence, dimension, count, deletedCount: 0, ...plan, activeArea: 0, bitmapCrc: crc32(bitmap), precision, segmentRows,
  };
  file.write(0, encodeFlatHeader(header));
}

/**
 * Creates an empty store at the path of `lock` (which the caller holds), written beside it and renamed
 * into place, so the path is never half-made.
 */
export async function createFile(backend: StorageBackend, lock: WriterLock, dimension: number, type: ElementType): Promise<void> {
  const shape = { dimension, precision: type.id, segmentRows: chooseSegmentRows(type, dimension) };
  await replaceFile(backend, lock, 'create.tmp', { write: (tmp) => writeFreshHeader(tmp, shape, 0) });
}
