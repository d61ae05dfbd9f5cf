/**
 * The one atomic replace, used by every write that makes a whole file (create, save, both kinds of
 * compaction): the new content is written beside the path (`<path>.<suffix>`), made durable with one
 * sync, and only then renamed over it, so `path` holds the old content or the new, never a mix, whatever
 * happens in between. The caller holds `path`'s writer lock, which also covers the temporary sibling
 * (it takes no lock of its own, and its errors name `path`).
 *
 * Outcomes: any failure before the rename (the write, the sync, `beforeRename` throwing because the work
 * was aborted or its owner closed) removes the temporary file and changes nothing. A rename that throws
 * while the temporary file is still there did not happen (rename(2) is all or nothing): the same. A
 * rename that throws with the temporary file gone may or may not have happened: `onUnknownOutcome` runs
 * before the error is thrown, as commitHeader's does for a header write. A crash leaves the temporary
 * file behind; the next replace of the same path (and a writer's open) removes it first.
 */
import type { StorageBackend, StorageFile, WriterLock } from './types.js';

export interface Replacement {
  /** Writes the whole new content into the empty temporary file; replaceFile syncs it after (do not). */
  write(file: StorageFile): void | Promise<void>;
  /** Runs once the new file is durable and closed, just before the rename; a throw changes nothing. */
  beforeRename?(): void;
  /** The rename failed and whether it happened is unknown (the caller's copy of the file is suspect). */
  onUnknownOutcome?(err: unknown): void;
}

/** Where the replacement of `path` with this suffix is written. */
export const replacementPath = (path: string, suffix: string): string => `${path}.${suffix}`;

export async function replaceFile(backend: StorageBackend, lock: WriterLock, suffix: string, replacement: Replacement): Promise<void> {
  const path = lock.path;
  const tmpPath = replacementPath(path, suffix);
  const discard = () => backend.remove(tmpPath).catch(() => undefined);
  try {
    await backend.remove(tmpPath);
    const tmp = await backend.open(tmpPath, { create: true, lock });
    try {
      await replacement.write(tmp);
      tmp.sync();
    } finally {
      tmp.close();
    }
    replacement.beforeRename?.();
  } catch (err) {
    await discard();
    throw err;
  }
  try {
    await backend.rename(tmpPath, path);
  } catch (err) {
    if (await backend.exists(tmpPath).catch(() => false)) {
      await discard();
    } else {
      replacement.onUnknownOutcome?.(err);
    }
    throw err;
  }
}
