/**
 * The shared suite in a server runtime, against the installed package: compiled twice by the harness,
 * to run-server.mjs (`import 'memvec'`: Node, Bun and Deno each resolve it natively with their own
 * export conditions) and to run-server.cjs (`require('memvec')`). Prints one MATRIX_RESULTS line.
 *
 * argv[0]: JSON { backends: BackendName[], expect: EngineInfo }.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import * as memvec from 'memvec';
import * as fixtures from 'memvec-matrix-fixtures';
import { decodeFixtures, runSuite, type BackendUnderTest, type SuiteEnv } from '../suite/scenarios.js';

/**
 * Worker threads this process has created: Node, Bun and Deno all emit process 'worker' for each new
 * worker_threads Worker. (The OS thread count used before was racy: the threads of an index closed a
 * moment earlier could still be exiting while a new store's started, and the count stood still.)
 */
let workersCreated = 0;
process.on('worker', () => workersCreated++);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = JSON.parse(args[0]!) as { backends: BackendUnderTest['name'][]; expect: SuiteEnv['expect'] };
  const dir = mkdtempSync(join(tmpdir(), 'memvec-matrix-'));
  let n = 0;
  const filePath = (name: string) => join(dir, `${name}-${n++}.mvec`);
  try {
    const results = await runSuite({
      memvec,
      backends: config.backends.map((name) => ({ name, path: name === 'memory' ? (x: string) => `/matrix/${x}-${n++}` : filePath })),
      defaultPath: filePath,
      defaultStorageHas: async (path) => existsSync(path),
      expect: config.expect,
      fixtures: decodeFixtures(fixtures),
      threadsStarted: () => workersCreated,
    });
    console.log(`MATRIX_RESULTS ${JSON.stringify(results)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
