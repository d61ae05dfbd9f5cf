/**
 * Stands in for the Node/Bun file backends (fs, mmap, the native addon) in the browser, workerd and
 * edge-light builds, so those bundles never contain `node:` imports that a browser bundler or an edge
 * runtime would reject. tsup.config.ts points src/storage/select.ts's lazy imports of './fs.js',
 * './mmap.js' and './native-addon.js' here. Asking for one of them anyway is a typed error, not a
 * crash deep inside a missing module.
 */
import { MemvecError } from '../errors.js';
import type { BackendName, StorageBackend } from '../storage/types.js';

function unavailable(name: BackendName): MemvecError {
  return new MemvecError(
    'UNSUPPORTED',
    `the '${name}' storage backend needs Node.js or Bun; this build of memvec (for browsers and edge runtimes) ` +
      `has 'opfs' (inside a Worker) and 'memory'`,
  );
}

function unavailableBackend(name: BackendName): StorageBackend {
  const fail = async (): Promise<never> => {
    throw unavailable(name);
  };
  return { name, open: fail, lock: fail, exists: fail, remove: fail, rename: fail };
}

export const fsBackend: StorageBackend = unavailableBackend('fs');

export function createMmapBackend(): StorageBackend {
  throw unavailable('mmap');
}

export function loadNativeAddon(): { addon: null; reason: string } {
  return { addon: null, reason: 'the native addon is not part of this build' };
}
