// Both engine builds, instantiated directly (no facade), for tests that check every build's kernels:
// the SIMD build every current runtime runs and the scalar build for runtimes without WASM SIMD.
import type { EngineExports } from '../../src/engine/abi.js';
import { wasmBase64 as scalarBase64 } from '../../src/engine/wasm-scalar.generated.js';
import { wasmBase64 as simdBase64 } from '../../src/engine/wasm-simd.generated.js';

export { scalarBase64, simdBase64 };

export const ENGINE_BUILDS = [
  ['simd', simdBase64],
  ['scalar', scalarBase64],
] as const;

export async function instantiateBuild(b64: string): Promise<EngineExports> {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  // The engine's one import: the function-filter callback, which kernel tests never reach.
  const { instance } = await WebAssembly.instantiate(bytes, { env: { filterHost: () => 0 } });
  return instance.exports as unknown as EngineExports;
}
