// A real backend with some of its calls replaced: how tests step in between two steps of a write path
// (a rename, a reader's open) without mocking the backend itself.
import type { StorageBackend } from '../../src/storage/types.js';

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
