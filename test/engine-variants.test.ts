// Both engine builds compute the same kernels: the SIMD build and the scalar build (for runtimes
// without WASM SIMD) are checked here against the plain-JS reference at every tail length, by
// instantiating each directly. That it is the build such a runtime actually loads is proven in test/runtimes (Node and
// Chromium with V8's SIMD turned off).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from '../src/engine/metrics.js';
import { availableParallelism } from 'node:os';
import { engineInfo } from '../src/engine/engine.js';
import { ENGINE_BUILDS, instantiateBuild, scalarBase64, simdBase64 } from './support/engine-builds.js';
import { randomVectors } from './support/random.js';
import { refCosine, refDot, refL2sq } from './support/reference.js';

// Every tail length of the 16-float and 4-float SIMD loops, and the sizes embeddings come in.
const DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 100, 128, 383, 768, 1536];

function close(actual: number, expected: number, scale: number, dim: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.sqrt(dim) * Math.max(1, scale));
}

/**
 * Whether a V8 without WASM SIMD (as on a CPU without SSE4.1) accepts the module: a Node child with
 * that V8 flag, whichever runtime runs this file (Bun and Deno have no such switch).
 */
function validatesWithoutSimd(b64: string): boolean {
  const node = (globalThis as { Bun?: unknown; Deno?: unknown }).Bun || (globalThis as { Deno?: unknown }).Deno ? 'node' : process.execPath;
  const code = `process.exit(WebAssembly.validate(Buffer.from(process.argv[1], 'base64')) ? 0 : 1)`;
  return spawnSync(node, ['--no-enable-sse4-1', '-e', code, b64]).status === 0;
}

describe('engine builds', () => {
  it('a runtime without WASM SIMD rejects the SIMD build and accepts the scalar one', () => {
    expect(validatesWithoutSimd(simdBase64)).toBe(false);
    expect(validatesWithoutSimd(scalarBase64)).toBe(true);
  });

  it('this Node loads the SIMD build, inline', async () => {
    // This Node has worker_threads: every core it may use (engineInfo says how workers start).
    expect(await engineInfo()).toEqual({
      entry: 'source', delivery: 'inline', wasm: 'simd', threads: availableParallelism(), threadsReason: `worker_threads, ${availableParallelism()} cores`,
    });
  });

  for (const [name, b64] of ENGINE_BUILDS) {
    it(`${name}: dot, l2sq, cosine, normSq, normalize and scoreBlock match the JS reference at every tail length`, async () => {
      const e = await instantiateBuild(b64);
      for (const dim of DIMS) {
        const n = 5;
        const data = randomVectors(n + 1, dim, 500 + dim);
        const pq = e.alloc(dim * 4);
        const pblock = e.alloc(n * dim * 4);
        const pout = e.alloc(n * 4);
        const q = data.subarray(0, dim);
        const block = data.subarray(dim);
        const f32 = new Float32Array(e.memory.buffer);
        f32.set(q, pq >>> 2);
        f32.set(block, pblock >>> 2);
        const b = block.subarray(0, dim);
        close(e.dot(pq, pblock, dim), refDot(q, b), refDot(q, q), dim);
        close(e.l2sq(pq, pblock, dim), refL2sq(q, b), refL2sq(q, b), dim);
        close(e.cosine(pq, pblock, dim), refCosine(q, b), 1, dim);
        close(e.normSq(pq, dim), refDot(q, q), refDot(q, q), dim);
        for (const [metric, ref] of [
          [METRIC_COSINE, (v: Float32Array) => refCosine(q, v)],
          [METRIC_EUCLIDEAN, (v: Float32Array) => -refL2sq(q, v)],
          [METRIC_DOT, (v: Float32Array) => refDot(q, v)],
        ] as const) {
          e.scoreBlock(metric, pq, pblock, n, dim, pout);
          const out = new Float32Array(e.memory.buffer, pout, n);
          for (let i = 0; i < n; i++) {
            const want = ref(block.subarray(i * dim, (i + 1) * dim));
            close(out[i]!, want, Math.abs(want), dim);
          }
        }
        const norm = e.normalize(pq, dim);
        close(norm, Math.sqrt(refDot(q, q)), norm, dim);
        const unit = new Float32Array(e.memory.buffer, pq, dim);
        close(refDot(unit, unit), 1, 1, dim);
        e.free(pq);
        e.free(pblock);
        e.free(pout);
      }
    });
  }
});
