/**
 * The exact rerank of a quantized index: the graph is searched on quantized codes for k × rerank
 * candidates, which the engine then rescores with the f32 originals and cuts to the k best
 * (HnswEngine.rerank), so the scores returned are the ones an f32 index gives the same entries.
 * Results stay where the engine wrote them (its u32 slots and f32 distances), so the shaping into
 * results is shared with f32 searches.
 */
import type { HnswEngine } from '../engine/hnsw-engine.js';

/**
 * How many candidates a search for `k` results with candidate list `ef` asks the engine for: k × rerank,
 * but no more than ef (when ef is at least k). The candidates come from the ef the search keeps anyway,
 * so the rerank adds no search work and `ef` alone sets how deep a search goes, as for f32: a
 * shallow search (ef below k × rerank) rescores all it found.
 */
export function candidateCount(engine: HnswEngine, k: number, rerank: number, ef: number): number {
  if (engine.originals === null || rerank <= 1) return k;
  return Math.max(k, Math.min(k * rerank, ef, 0x7fffffff));
}
