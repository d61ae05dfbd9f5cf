/**
 * The exact rerank of a quantized index: the graph is searched on quantized codes for k × rerank
 * candidates, which the engine then rescores with the f32 originals and cuts to the k best
 * (HnswEngine.rerank), so the scores returned are the ones an f32 index gives the same entries.
 * Results stay where the engine wrote them (its u32 slots and f32 distances), so the shaping into
 * results is shared with f32 searches.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';

/** How many candidates a search for `k` results asks the engine for. */
export function candidateCount(engine: HnswEngine, k: number, rerank: number): number {
  return engine.originals === null || rerank <= 1 ? k : Math.min(k * rerank, 0x7fffffff);
}
