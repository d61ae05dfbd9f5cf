/**
 * The shared suite inside a dedicated Worker in Chromium: the OPFS backend (sync access handles exist
 * only here) and memory. Loaded by browser-page.ts as a module worker; `memvec` is the browser entry
 * of the installed package, resolved by the harness with Node's exports resolution and the "browser"
 * condition (module workers have no import maps).
 */
import * as memvec from 'memvec';
import * as fixtures from 'memvec-matrix-fixtures';
import { countReadyWorkers } from './worker-census.js';
import { decodeFixtures, runSuite, type SuiteEnv } from '../suite/scenarios.js';

interface Dir {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<Dir>;
  getFileHandle(name: string): Promise<unknown>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
}

const opfsRoot = () => (navigator as unknown as { storage: { getDirectory(): Promise<Dir> } }).storage.getDirectory();

/** Whether OPFS holds `path` ("a/b.hnsw"), looked up without memvec. */
async function opfsHas(path: string): Promise<boolean> {
  const parts = path.split('/');
  const name = parts.pop()!;
  try {
    let dir = await opfsRoot();
    for (const part of parts) dir = await dir.getDirectoryHandle(part);
    await dir.getFileHandle(name);
    return true;
  } catch {
    return false;
  }
}

// Before memvec runs: it reads globalThis.Worker when it first looks at threads.
const readyWorkers = countReadyWorkers();

self.onmessage = async (event: MessageEvent<{ expect: SuiteEnv['expect'] }>) => {
  const root = await opfsRoot();
  await root.removeEntry('matrix', { recursive: true }).catch(() => undefined);
  let n = 0;
  const opfsPath = (name: string) => `matrix/${name}-${n++}.mvec`;
  const results = await runSuite({
    memvec,
    backends: [
      { name: 'opfs', path: opfsPath },
      { name: 'memory', path: (name) => `/matrix/${name}-${n++}` },
    ],
    defaultPath: opfsPath,
    defaultStorageHas: opfsHas,
    expect: event.data.expect,
    unsupportedBackends: ['fs', 'mmap'],
    fixtures: decodeFixtures(fixtures),
    threadsStarted: readyWorkers,
  });
  await root.removeEntry('matrix', { recursive: true }).catch(() => undefined);
  (self as unknown as Worker).postMessage(results);
};
