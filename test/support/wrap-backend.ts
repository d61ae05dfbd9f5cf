// A real backend with some of its calls replaced: how tests step in between two steps of a write path
// (a rename, a reader's open) without mocking the backend itself.
import type { StorageBackend, StorageFile } from '../../src/storage/types.js';

export function wrapBackend(inner: StorageBackend, overrides: Partial<Omit<StorageBackend, 'name'>>): StorageBackend {
  return {
    name: inner.name,
    open: (path, options) => inner.open(path, options),
    lock: (path) => inner.lock(path),
    exists: (path) => inner.exists(path),
    remove: (path) => inner.remove(path),
    rename: (from, to) => inner.rename(from, to),
    ...overrides,
  };
}

/** A real open file with some of its calls replaced (a read that races a writer, counts, or fails). */
export function wrapFile(file: StorageFile, overrides: Partial<Omit<StorageFile, 'backend'>>): StorageFile {
  return {
    backend: file.backend,
    size: () => file.size(),
    read: (offset, into) => file.read(offset, into),
    write: (offset, data) => file.write(offset, data),
    truncate: (size) => file.truncate(size),
    sync: () => file.sync(),
    close: () => file.close(),
    ...overrides,
  };
}

/** Every byte of the file at `path`, read as a reader would (to prove a refused call changed nothing). */
export async function fileBytes(backend: StorageBackend, path: string): Promise<Uint8Array> {
  const file = await backend.open(path, { readOnly: true });
  try {
    const out = new Uint8Array(file.size());
    file.read(0, out);
    return out;
  } finally {
    file.close();
  }
}
