// Per-search scratch as one object in engine memory: the query buffer, the visited epochs, the
// candidate and result heaps and the output buffers that a traversal writes. Everything a search
// touches that is not the index itself lives here, so a second thread (a second instance sharing the
// index memory) can later get a context of its own; today every call uses the default context
// (hnsw-store.ts defaultContext). Its buffers are allocated when the context is created and grown by
// the reserve calls (slots: hnsw-store.ts reserveSlots; result room: hnswReserveSearch), never by a
// search itself.

// @ts-ignore: decorator
@unmanaged export class SearchContext {
  /** One f32 vector plus 16 bytes: the query the facade writes (hnswQueryPtr), normalized here for cosine. */
  query: usize;
  /** The query encoded as the index's kind (for f32: `query` itself), what the traversal measures. */
  queryCode: usize;
  /** u16 per slot: the epoch of the traversal that last visited it (never cleared per search). */
  visited: usize;
  visitEpoch: u32;
  /** u64 per slot + 1: the candidate min-heap (hnsw-heap.ts keys). */
  candHeap: usize;
  /** Entries each of the four arrays below holds: the largest ef reserved so far (+2). */
  resultCap: i32;
  /** u64: the result max-heap of a layer search. */
  topHeap: usize;
  /** u64: results drained nearest first; neighbour candidates while linking. */
  sortBuf: usize;
  /** u32 slot ids and f32 distances of the last search (hnswOutIdsPtr / hnswOutDistsPtr). */
  outIds: usize;
  outDists: usize;
  /** 3·M + 2 u64: a full neighbour list being re-selected while linking (or, in a parallel insert, a new node's own list merged with its picks). */
  nbrBuf: usize;
  /** The unvisited neighbours of the node being expanded, gathered before any distance is computed. */
  batchBuf: usize;
  /** The distance greedy() ended at. */
  greedyDist: f32;
  /** Written by the gather loops so that their touching loads are not optimized away. */
  touchSink: u32;
}

/** Starts a visited set for one traversal; the epoch stamp means the array is never cleared per search. */
// @ts-ignore: decorator
@inline export function nextVisitEpoch(ctx: SearchContext, slots: u32): u16 {
  let epoch = ctx.visitEpoch + 1;
  if (epoch > 0xffff) {
    memory.fill(ctx.visited, 0, <usize>slots << 1);
    epoch = 1;
  }
  ctx.visitEpoch = epoch;
  return <u16>epoch;
}
