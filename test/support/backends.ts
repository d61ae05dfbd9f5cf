// The storage backends a test run in this runtime can use, each with a fresh place to put files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectRuntime, resolveBackend } from '../../src/storage/select.js';
import type { BackendName, StorageBackend } from '../../src/storage/types.js';

export interface BackendTarget {
  name: BackendName;
  backend: () => Promise<StorageBackend>;
  /** A path for a new file, unique per call. */
  path: (name: string) => string;
  /** A path inside a directory that does not exist (disk backends; memory has no directories). */
  missingDirPath: (name: string) => string;
  cleanup: () => void;
}

let counter = 0;

/** The backends each server-side runtime offers; every one of them is tested by name. */
export function runtimeBackendNames(): BackendName[] {
  switch (detectRuntime()) {
    case 'deno':
      return ['deno', 'memory'];
    default:
      // Node and Bun: the addon is built by npm install here, so mmap is tested, never skipped.
      return ['mmap', 'fs', 'memory'];
  }
}

/** The runtime's backends that keep files on disk: what crash and large-file tests run over. */
export function diskBackendNames(): BackendName[] {
  return runtimeBackendNames().filter((name) => name !== 'memory');
}

export function backendTargets(names: BackendName[] = runtimeBackendNames()): BackendTarget[] {
  return names.map((name) => {
    if (name === 'memory') {
      const path = (n: string) => `/mem/${n}-${counter++}`;
      return { name, backend: () => resolveBackend('memory'), path, missingDirPath: path, cleanup: () => {} };
    }
    const dir = mkdtempSync(join(tmpdir(), `memvec-${name}-`));
    return {
      name,
      backend: () => resolveBackend(name),
      path: (n) => join(dir, `${n}-${counter++}.mvec`),
      missingDirPath: (n) => join(dir, 'missing', 'dir', n),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  });
}
