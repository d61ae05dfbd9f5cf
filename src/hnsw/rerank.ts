/**
 * The exact rerank of a quantized index: the graph is searched on quantized codes for k × rerank
 * candidates, which are then rescored with the f32 originals (HnswEngine.rescore) and cut to the k
 * best, so the scores returned are the ones an f32 index gives the same entries. Results stay where
 * the engine wrote them (its u32 slots and f32 distances), so the shaping into results is shared.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';

/** How many candidates a search for `k` results asks the engine for. */
export function candidateCount(engine: HnswEngine, k: number, rerank: number): number {
  return engine.originals === null || rerank <= 1 ? k : Math.min(k * rerank, 0x7fffffff);
}

/**
 * Rescores `n` candidates (slots at u32 index `idsAt`, distances at f32 index `distsAt`) with the
 * originals, and leaves the best `k` there, nearest first (ties: lower slot first, as the engine
 * orders them). `queryPtr`: the f32 query in engine memory, or 0 for the last search's. Returns how
 * many results remain. Without originals, nothing changes.
 */
export function rerankResults(engine: HnswEngine, queryPtr: number, idsAt: number, distsAt: number, n: number, k: number): number {
  if (engine.originals === null) return Math.min(n, k);
  engine.rescore(queryPtr, idsAt, distsAt, n);
  const ids = engine.engine.u32;
  const dists = engine.engine.f32;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => dists[distsAt + a]! - dists[distsAt + b]! || ids[idsAt + a]! - ids[idsAt + b]!);
  const m = Math.min(n, k);
  const keptIds = order.slice(0, m).map((i) => ids[idsAt + i]!);
  const keptDists = order.slice(0, m).map((i) => dists[distsAt + i]!);
  ids.set(keptIds, idsAt);
  dists.set(keptDists, distsAt);
  return m;
}
