/**
 * How many threads a parallel call of an index runs on: the call's `threads` option, capped at what
 * the index's engine was made for (its own option, or every core; 1 where threads are unavailable).
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';

export function threadsFor(engine: HnswEngine, requested: number | undefined): number {
  const own = engine.engine.threads;
  return requested === undefined ? own : Math.min(requested, own);
}
