// The raw memvec engine for the kernel section: build/memvec.wasm (written by `npm run build:wasm`)
// instantiated directly, since dist/ exposes only the facade. Exports as listed in src/engine/abi.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
/** The SIMD build (what every current runtime runs). */
export const WASM_PATH = join(BUILD, 'memvec.wasm');
/** The no-SIMD fallback build, when scripts/build-wasm.mjs produces one. */
export const SCALAR_WASM_PATH = join(BUILD, 'memvec-scalar.wasm');

export const METRIC_COSINE = 0;
export const METRIC_EUCLIDEAN = 1;
export const METRIC_DOT = 2;

/** @returns {Promise<{ exports: any, f32: () => Float32Array, bytes: number }>} */
export async function loadEngine(path = WASM_PATH) {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build:wasm`);
  const bytes = readFileSync(path);
  // The engine's one import is the function-filter callback (scripts/build-wasm.mjs), which kernels never call.
  const { instance } = await WebAssembly.instantiate(bytes, { env: { filterHost: () => 0 } });
  const ex = instance.exports;
  for (const name of ['memory', 'alloc', 'free', 'scoreBlock']) {
    if (!(name in ex)) throw new Error(`${path} has no export ${name}`);
  }
  // A view rebuilt whenever memory has grown (growth detaches the old buffer).
  let buf = ex.memory.buffer;
  let view = new Float32Array(buf);
  const f32 = () => {
    if (ex.memory.buffer !== buf) {
      buf = ex.memory.buffer;
      view = new Float32Array(buf);
    }
    return view;
  };
  return { exports: ex, f32, bytes: bytes.length };
}
