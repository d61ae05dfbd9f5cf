/**
 * Stands in for src/threads/spawn-node.ts in the browser, workerd and edge-light builds (tsup.config.ts),
 * which must not import node: modules: there, threads come from the web Worker or not at all.
 */
import type { ThreadHost } from '../threads/types.js';

export async function nodeThreadHost(): Promise<ThreadHost | string> {
  return 'this build of memvec has no node:worker_threads';
}
