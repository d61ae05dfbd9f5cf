/**
 * The engine's WASM on Cloudflare workerd, which forbids compiling WebAssembly from bytes at run time:
 * the .wasm is imported as a module, and wrangler (or workerd's own config) uploads it compiled.
 * dist/workerd.js keeps this import as written; tsup copies build/memvec.wasm next to it. workerd
 * always has WASM SIMD, so only the SIMD build ships here.
 */
import simd from './memvec-simd.wasm';
import type { LoadedEngineModule } from './wasm-variant.js';

export async function loadEngineModule(): Promise<LoadedEngineModule> {
  return { module: simd, variant: 'simd', delivery: 'module' };
}
