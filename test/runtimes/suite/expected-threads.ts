/**
 * What engineInfo() must say about threads in each situation the runtime matrix runs (the rules are
 * src/threads/platform.ts and choose.ts): the core count comes from the runtime the way memvec reads
 * it (os.availableParallelism() in Node, Bun and Deno; navigator.hardwareConcurrency in a browser), so
 * a harness reads it the same way and passes it in. Plain data, no imports: workerd bundles it too.
 */
import type * as Memvec from 'memvec';

export type ThreadsInfo = Pick<Awaited<ReturnType<typeof Memvec.engineInfo>>, 'threads' | 'threadsReason'>;

/** Every core, on workers of `kind` ('worker_threads' in Node, Bun, Deno; 'web-worker' in an isolated page). */
export function onEveryCore(kind: 'worker_threads' | 'web-worker', cores: number): ThreadsInfo {
  const reason = `${kind}, ${cores} cores`;
  return cores > 1 ? { threads: cores, threadsReason: reason } : { threads: 1, threadsReason: `${reason}: one core` };
}

/** A page (or its worker) served without COOP/COEP: no shared memory for workers. */
export const NOT_ISOLATED: ThreadsInfo = {
  threads: 1,
  threadsReason: 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)',
};

/** A runtime whose WebAssembly lacks SIMD: the threads build (SIMD + atomics) does not validate. */
export const NO_THREADS_BUILD: ThreadsInfo = { threads: 1, threadsReason: 'this runtime\'s WebAssembly has no threads (atomics) or SIMD' };

/** workerd (Cloudflare): no Worker at all. */
export const WORKERD: ThreadsInfo = { threads: 1, threadsReason: 'the workerd runtime has no worker threads' };
