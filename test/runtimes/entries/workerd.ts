/**
 * The shared suite in workerd (through Miniflare), against the installed package: wrangler bundles this
 * file and resolves `memvec` with the "workerd" condition, which imports the engine as a .wasm module.
 * Storage is the memory backend; the portable-files scenario opens a store and an index built by Node.
 * workerd has no worker threads: the threads scenarios must run there on one thread, with no error.
 */
import * as memvec from 'memvec';
import * as fixtures from 'memvec-matrix-fixtures';
import { WORKERD } from '../suite/expected-threads.js';
import { decodeFixtures, runSuite } from '../suite/scenarios.js';

export default {
  async fetch(): Promise<Response> {
    let n = 0;
    const memoryPath = (name: string) => `/matrix/${name}-${n++}`;
    const results = await runSuite({
      memvec,
      backends: [{ name: 'memory', path: memoryPath }],
      defaultPath: memoryPath,
      // No worker threads: every call runs on the request's thread, `threads: 2` included.
      expect: { entry: 'workerd', delivery: 'module', wasm: 'simd', ...WORKERD },
      unsupportedBackends: ['fs', 'mmap'],
      fixtures: decodeFixtures(fixtures),
    });
    return Response.json(results);
  },
};
