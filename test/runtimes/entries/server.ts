/**
 * The shared suite in a server runtime, against the installed package: compiled twice by the harness,
 * to run-server.mjs (`import 'memvec'`: Node, Bun and Deno each resolve it natively with their own
 * export conditions) and to run-server.cjs (`require('memvec')`). Prints one MATRIX_RESULTS line.
 *
 * argv[0]: JSON { backends: BackendName[], expect: EngineInfo }.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as memvec from 'memvec';
import * as fixtures from 'memvec-matrix-fixtures';
import { decodeFixtures, runSuite, type BackendUnderTest, type SuiteEnv } from '../suite/scenarios.js';

declare const Deno: { args: string[] } | undefined;

/** This process's OS threads, from Linux's /proc (undefined elsewhere): each worker thread adds some. */
function osThreads(): number | undefined {
  try {
    const m = /^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = typeof process !== 'undefined' ? process.argv.slice(2) : Deno!.args;
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
      threadsStarted: osThreads,
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
