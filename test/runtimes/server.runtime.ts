/**
 * The shared suite in Node (import and require, with and without WASM SIMD), Bun and Deno: each a real
 * binary (bun and deno from npm) running against the installed tarball, resolving `memvec` natively.
 */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/storage/types.js';
import { BIN, INSTALLED, PROJECT } from './harness/project.js';
import { itPerScenario, parseResults } from './harness/results.js';
import { runProcess } from './harness/spawn.js';
import { NO_THREADS_BUILD, onEveryCore } from './suite/expected-threads.js';
import { scenarioNames, type ScenarioResult, type SuiteEnv } from './suite/scenarios.js';

// The mmap backend needs the native addon; the tarball ships it when the build machine had cargo.
const nativeDir = join(INSTALLED, 'native');
const addonShipped = existsSync(nativeDir) && readdirSync(nativeDir).some((f) => f.endsWith('.node'));
const fileBackends: BackendName[] = addonShipped ? ['mmap', 'fs'] : ['fs'];
// Node, Bun and Deno all count cores with os.availableParallelism() (each runs memvec's worker_threads
// host), so this Node's count is theirs: the same machine, the same cgroup.
const SIMD: SuiteEnv['expect'] = { entry: 'default', delivery: 'inline', wasm: 'simd', ...onEveryCore('worker_threads', availableParallelism()) };

interface Run {
  name: string;
  cmd: string;
  args: string[];
  backends: BackendName[];
  expect: SuiteEnv['expect'];
  /** Extra checks on the process output. */
  stderrIncludes?: string;
}

const runs: Run[] = [
  { name: 'Node (import)', cmd: process.execPath, args: ['run-server.mjs'], backends: [...fileBackends, 'memory'], expect: SIMD },
  { name: 'Node (require)', cmd: process.execPath, args: ['run-server.cjs'], backends: [fileBackends[0]!, 'memory'], expect: SIMD },
  {
    // V8 turns WASM SIMD off on CPUs without SSE4.1; this flag makes Node one of those, for real.
    name: 'Node without WASM SIMD (--no-enable-sse4-1)',
    cmd: process.execPath,
    args: ['--no-enable-sse4-1', 'run-server.mjs'],
    backends: ['fs', 'memory'],
    // The threads build needs SIMD too: one thread, and engineInfo says why.
    expect: { ...SIMD, wasm: 'scalar', ...NO_THREADS_BUILD },
    stderrIncludes: 'memvec: this runtime has no WebAssembly SIMD; using the scalar engine',
  },
  { name: 'Bun', cmd: join(BIN, 'bun'), args: ['run-server.mjs'], backends: [...fileBackends, 'memory'], expect: SIMD },
  { name: 'Deno', cmd: join(BIN, 'deno'), args: ['run', '-A', 'run-server.mjs'], backends: ['deno', 'memory'], expect: SIMD },
];

// One runtime at a time: the suite is CPU-bound and the other runtime files run alongside this one.
let queue: Promise<unknown> = Promise.resolve();

for (const run of runs) {
  describe(run.name, () => {
    let results: ScenarioResult[] | undefined;
    let stderr = '';
    beforeAll(async () => {
      const finished = queue.then(() =>
        runProcess(run.cmd, [...run.args, JSON.stringify({ backends: run.backends, expect: run.expect })], { cwd: PROJECT, timeoutMs: 240_000 }),
      );
      queue = finished.catch(() => undefined);
      const out = await finished;
      stderr = out.stderr;
      console.log(`${run.name}: ${(out.ms / 1000).toFixed(1)} s`);
      if (out.code !== 0) throw new Error(`${run.name} exited with ${out.code}:\n${out.stderr.slice(-4000)}`);
      results = parseResults(out.stdout);
    });
    itPerScenario(scenarioNames(run.backends), () => results);
    if (run.stderrIncludes) {
      it(`says so on stderr: "${run.stderrIncludes}"`, () => expect(stderr).toContain(run.stderrIncludes));
    }
  });
}
