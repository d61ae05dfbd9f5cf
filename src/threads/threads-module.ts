/**
 * The engine's threads build (scripts/build-wasm.mjs: SIMD + atomics on an imported shared memory),
 * compiled once per process and only when an index or store runs on more than one thread: the
 * single-threaded engine never downloads it.
 */
import { decodeBase64 } from '../engine/base64.js';

let compiled: Promise<WebAssembly.Module | string> | undefined;

/** The compiled module, or why this runtime cannot have it. */
export function threadsModule(): Promise<WebAssembly.Module | string> {
  compiled ??= (async () => {
    try {
      const bytes = decodeBase64((await import('../engine/wasm-threads.generated.js')).wasmBase64);
      if (!WebAssembly.validate(bytes as BufferSource)) return 'this runtime\'s WebAssembly has no threads (atomics) or SIMD';
      return await WebAssembly.compile(bytes as BufferSource);
    } catch (err) {
      return `the engine's threads build did not load (${String(err)})`;
    }
  })();
  return compiled;
}
