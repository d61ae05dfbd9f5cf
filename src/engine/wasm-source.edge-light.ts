/**
 * The engine's WASM on Vercel's edge runtime, which, like workerd, forbids compiling WebAssembly from
 * bytes: Next.js and Vercel import a .wasm as a compiled module when the path ends in `?module`.
 */
import simd from './memvec-simd.wasm?module';
import type { LoadedEngineModule } from './wasm-variant.js';

export async function loadEngineModule(): Promise<LoadedEngineModule> {
  return { module: simd, variant: 'simd', delivery: 'module' };
}
