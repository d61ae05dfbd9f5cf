/**
 * The shared suite on a Chromium page's main thread (memory backend: no sync OPFS access here), then
 * the same suite in a dedicated Worker on OPFS. The harness calls window.runMatrix() through Playwright.
 */
import * as memvec from 'memvec';
import * as fixtures from 'memvec-matrix-fixtures';
import { countReadyWorkers } from './worker-census.js';
import { decodeFixtures, runSuite, type ScenarioResult, type SuiteEnv } from '../suite/scenarios.js';

// Before memvec runs: it reads globalThis.Worker when it first looks at threads.
const readyWorkers = countReadyWorkers();

async function runMatrix(expect: SuiteEnv['expect']): Promise<{ page: ScenarioResult[]; worker: ScenarioResult[] }> {
  let n = 0;
  const memoryPath = (name: string) => `/matrix/${name}-${n++}`;
  const page = await runSuite({
    memvec,
    backends: [{ name: 'memory', path: memoryPath }],
    defaultPath: memoryPath,
    expect,
    // A page's main thread has no OPFS sync access handles: that must be a clear UNSUPPORTED.
    unsupportedBackends: ['fs', 'mmap', 'opfs'],
    fixtures: decodeFixtures(fixtures),
    threadsStarted: readyWorkers,
  });
  const worker = await new Promise<ScenarioResult[]>((resolve, reject) => {
    const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
    w.onmessage = (event: MessageEvent<ScenarioResult[]>) => {
      resolve(event.data);
      w.terminate();
    };
    w.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    w.postMessage({ expect });
  });
  return { page, worker };
}

(globalThis as unknown as { runMatrix: typeof runMatrix }).runMatrix = runMatrix;
document.title = 'ready';
