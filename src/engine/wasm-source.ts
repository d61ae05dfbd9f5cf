/**
 * The engine's WASM for every runtime that may compile WebAssembly from bytes (Node, Bun, Deno,
 * browsers): embedded as base64, so it loads with no file access, no fetch and no bundler setting.
 * Each build lives in its own module, imported only when chosen, so a bundle ships (and a browser
 * downloads) one build, not both.
 *
 * SIMD is detected by asking the runtime to validate the SIMD build itself, not a probe: what
 * validates is exactly what will compile. Without SIMD the scalar build loads (about 2-5x slower
 * per distance), and memvec says so once, the way it says so when the native addon is missing.
 *
 * workerd and Vercel's edge runtime forbid compiling from bytes: their entries swap this file for
 * wasm-source.workerd.ts / wasm-source.edge-light.ts (see tsup.config.ts).
 */
import { MemvecError } from '../errors.js';
import { decodeBase64 } from './base64.js';
import type { LoadedEngineModule } from './wasm-variant.js';


let warnedScalar = false;

export async function loadEngineModule(): Promise<LoadedEngineModule> {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.compile !== 'function') {
    throw new MemvecError('UNSUPPORTED', 'this runtime has no WebAssembly, which memvec\'s engine needs');
  }
  const simd = decodeBase64((await import('./wasm-simd.generated.js')).wasmBase64);
  if (WebAssembly.validate(simd as BufferSource)) return { module: await compile(simd), variant: 'simd', delivery: 'inline' };

  const scalar = decodeBase64((await import('./wasm-scalar.generated.js')).wasmBase64);
  if (!WebAssembly.validate(scalar as BufferSource)) {
    throw new MemvecError('UNSUPPORTED', 'this runtime\'s WebAssembly rejects both memvec engine builds (SIMD and scalar)');
  }
  if (!warnedScalar) {
    warnedScalar = true;
    console.warn('memvec: this runtime has no WebAssembly SIMD; using the scalar engine (slower searches)');
  }
  return { module: await compile(scalar), variant: 'scalar', delivery: 'inline' };
}

async function compile(bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (err) {
    // Validation passed, so the host refused code generation: a Content-Security-Policy without
    // 'wasm-unsafe-eval', or an edge runtime that only runs WASM imported as a module.
    throw new MemvecError(
      'UNSUPPORTED',
      'this runtime refused to compile memvec\'s WASM from bytes. In a browser, allow it with the CSP source ' +
        '\'wasm-unsafe-eval\'. On Cloudflare Workers or Vercel Edge, resolve memvec with the \'workerd\' or ' +
        '\'edge-light\' export condition (wrangler and Next.js do), which imports the .wasm as a module',
      { cause: err },
    );
  }
}
