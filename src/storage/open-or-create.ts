/**
 * How both file kinds open a path (MemMapVector.open, HnswIndex.open): a writer takes the path's lock
 * before anything else, so it never creates or opens a file another writer holds (LOCKED), and nobody
 * replaces its file while it has it; only a writer creates a missing file; and if anything fails, the
 * lock is given back. On success the lock belongs to whatever `use` made of the file.
 */
import { MemvecError } from '../errors.js';
import type { StorageBackend, WriterLock } from './types.js';

export async function openOrCreate<T>(
  backend: StorageBackend,
  path: string,
  readOnly: boolean,
  /** Makes the missing file at the lock's path (atomically: replace-file.ts). */
  create: (lock: WriterLock) => Promise<void>,
  /** Opens the file that is there now; the writer's lock, or null for a reader. */
  use: (lock: WriterLock | null) => Promise<T>,
): Promise<T> {
  const lock = readOnly ? null : await backend.lock(path);
  try {
    if (!(await backend.exists(path))) {
      if (lock === null) throw new MemvecError('IO', `could not open ${path}: no such file`);
      await create(lock);
    }
    return await use(lock);
  } catch (err) {
    lock?.release();
    throw err;
  }
}
