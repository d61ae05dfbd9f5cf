/**
 * What a file is, from its first bytes, for the error a caller gets when they open the wrong one:
 * "x.mvec is a memvec vector file (open it with MemMapVector.open), not a persistent HNSW index" says
 * what to do, where "no valid header" does not. Checked before a file's own header is read; a file
 * of the expected kind goes on to that kind's checks, which explain any damage.
 */
import { MemvecError } from '../errors.js';
import type { StorageFile } from '../storage/types.js';
import { SLOT_BYTES } from './header-slots.js';
import { FLAT_MAGIC, HNSW_MAGIC, INDEX_MAGIC } from './magic.js';

export type FileKind = 'vectors' | 'index' | 'snapshot';

const IS: Record<FileKind, string> = {
  vectors: 'a memvec vector file (open it with MemMapVector.open)',
  index: 'a persistent memvec HNSW index (open it with HnswIndex.open)',
  snapshot: 'a memvec HNSW snapshot (load it with HnswIndex.load)',
};

const WANTED: Record<FileKind, string> = {
  vectors: 'a memvec vector file',
  index: 'a persistent HNSW index',
  snapshot: 'an HNSW snapshot',
};

function magicAt(file: StorageFile, at: number): string {
  const bytes = new Uint8Array(8);
  const n = file.read(at, bytes);
  return String.fromCharCode(...bytes.subarray(0, n));
}

/** The kind whose magic the file carries (in either header slot of the two-slot kinds), if any. */
export function fileKind(file: StorageFile): FileKind | null {
  const first = magicAt(file, 0);
  if (first === HNSW_MAGIC) return 'snapshot';
  // A torn first slot leaves the magic in the second one only.
  const second = file.size() > SLOT_BYTES ? magicAt(file, SLOT_BYTES) : '';
  if (first === FLAT_MAGIC || second === FLAT_MAGIC) return 'vectors';
  if (first === INDEX_MAGIC || second === INDEX_MAGIC) return 'index';
  return null;
}

/** Printable ASCII as is, the rest as \xNN: enough to recognise a PNG, a zip or a text file. */
function quoteStart(file: StorageFile): string {
  const bytes = new Uint8Array(8);
  const n = file.read(0, bytes);
  let out = '';
  for (const b of bytes.subarray(0, n)) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return JSON.stringify(out).replaceAll('\\\\', '\\');
}

/** Throws CORRUPT_FILE naming the path and what the file actually is, unless it carries `expected`'s magic. */
export function checkFileKind(file: StorageFile, path: string, expected: FileKind): void {
  const size = file.size();
  if (size === 0) throw new MemvecError('CORRUPT_FILE', `${path} is empty (expected ${WANTED[expected]})`);
  const kind = fileKind(file);
  if (kind === expected) return;
  if (kind !== null) throw new MemvecError('CORRUPT_FILE', `${path} is ${IS[kind]}, not ${WANTED[expected]}`);
  throw new MemvecError('CORRUPT_FILE', `${path} is not a memvec file: it starts with ${quoteStart(file)} (expected ${WANTED[expected]})`);
}
