/**
 * What a runtime got: which build of memvec its export conditions chose, how the WASM reached it, and
 * which engine build it compiled. `engineInfo()` reports it, so "which WASM is my bundle running?" has
 * an answer without a debugger.
 */

/** The two engine builds (scripts/build-wasm.mjs): f32x4 SIMD, and scalar for runtimes without WASM SIMD. */
export type WasmVariant = 'simd' | 'scalar';

export interface EngineInfo {
  /**
   * The package entry this runtime resolved: 'default' (Node, Bun, Deno: dist/index.js or index.cjs),
   * 'browser', 'workerd', 'edge-light', or 'source' when running memvec's TypeScript directly.
   */
  entry: 'default' | 'browser' | 'workerd' | 'edge-light' | 'source';
  /** 'inline': base64 in the JS, compiled at run time. 'module': a WebAssembly.Module the host imported. */
  delivery: 'inline' | 'module';
  wasm: WasmVariant;
  /**
   * How many threads an index or store runs batchInsert, searchBatch, compact and exact scans on when
   * its `threads` option is not given: the cores this process may use, or 1 where threads are
   * unavailable (workerd, Vercel Edge, a page that is not cross-origin isolated).
   */
  threads: number;
  /** Why `threads` is what it is (how workers start here, or what is missing). */
  threadsReason: string;
}

/** What a wasm-source module hands the engine. */
export interface LoadedEngineModule {
  module: WebAssembly.Module;
  variant: WasmVariant;
  delivery: EngineInfo['delivery'];
}

declare const __MEMVEC_ENTRY__: EngineInfo['entry'] | undefined;

/** Set per build by tsup (define); absent when the TypeScript runs as is (tests, bench). */
export const ENTRY: EngineInfo['entry'] = typeof __MEMVEC_ENTRY__ === 'string' ? __MEMVEC_ENTRY__ : 'source';
