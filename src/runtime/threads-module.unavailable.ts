/**
 * Stands in for src/threads/threads-module.ts in the workerd and edge-light builds (tsup.config.ts).
 * Those runtimes have no worker threads (threads/platform.ts says so before this is ever asked), so
 * their bundles must not carry the threads engine: it would be a second, base64 copy of the WASM in
 * the user's worker script, which workerd could not even compile from bytes.
 */
export function threadsModule(): Promise<WebAssembly.Module | string> {
  return Promise.resolve('this build of memvec has no threads engine');
}
