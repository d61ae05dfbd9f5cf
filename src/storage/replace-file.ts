/**
 * The one atomic replace: a file's whole new content is written beside it (`<path>.<suffix>`), and only
 * then renamed over it, so `path` holds the old content or the new, never a mix, whatever happens in
 * between. The caller holds `path`'s writer lock, which also covers the temporary sibling (it takes no
 * lock of its own, and its errors name `path`). A failure removes the temporary file; a crash leaves it,
 * and the next replace of the same path removes it first.
 */
import type { StorageBackend, StorageFile, WriterLock } from './types.js';

export async function replaceFile(
  backend: StorageBackend,
  lock: WriterLock,
  suffix: string,
  write: (file: StorageFile) => void,
): Promise<void> {
  const path = lock.path;
  const tmpPath = `${path}.${suffix}`;
  try {
    await backend.remove(tmpPath);
    const tmp = await backend.open(tmpPath, { create: true, lock });
    try {
      write(tmp);
      tmp.sync();
    } finally {
      tmp.close();
    }
    await backend.rename(tmpPath, path);
  } catch (err) {
    await backend.remove(tmpPath).catch(() => undefined);
    throw err;
  }
}
