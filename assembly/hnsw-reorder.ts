// Renumbers the slots in breadth-first order of the layer-0 graph, so that nodes a search visits one
// after another sit near each other in memory (Coleman et al., "Graph Reordering for Cache-Efficient
// Near Neighbor Search", 2022). Vectors inserted in arbitrary order otherwise scatter every hop of a
// search across the whole vector array: each distance then pays a cache miss and, on 4 KiB pages, a
// TLB miss. The graph is unchanged up to the renaming, so searches visit the same nodes in the same
// order and return the same results; only ties between exactly equal distances (broken by slot) can
// come out in another order.
import {
  NONE, ST_CAPACITY, ST_INVALID, ST_OK, allow, blockBytes, count, entry, flags, levels, link0Bytes, link0Ptr,
  maxLevel, norms, pool, poolUsed, roomFor, setEntry, upperOff, vecBytes, vecPtr, contextSlots, defaultContext,
} from './hnsw-store';
import { nextVisitEpoch } from './search-context';
import { inTx, txBase } from './hnsw-tx';

/** New slot -> old slot for the renumbered range, kept for the facade until released. */
let order: usize = 0;

export function reorderMap(): usize {
  return order;
}

export function reorderRelease(): void {
  if (order != 0) heap.free(order);
  order = 0;
}

/**
 * Renumbers slots [base, count) (the others keep their slots). Inside a transaction base must be at
 * least txBase: slots that existed before it, and the undo log's copies of their lists (which only
 * name such slots), then stay valid.
 */
export function reorder(base: u32): i32 {
  const n = count;
  reorderRelease();
  if (base >= n || n - base < 2 || (inTx && base < txBase)) return ST_INVALID;
  const m = n - base;
  const bytes: u64 = (<u64>n << 3) + (<u64>m << 2) + <u64>vecBytes + <u64>link0Bytes + 64;
  if (!roomFor(bytes)) return ST_CAPACITY;
  order = heap.alloc(<usize>m << 2);
  const newId = heap.alloc(<usize>n << 2);
  const queue = heap.alloc(<usize>n << 2);

  // Breadth-first over layer 0 from the entry point, then from any node it did not reach; the
  // renumbered slots are handed out in the order the search discovers them.
  // The default context's visited epochs serve as the BFS's seen-set.
  const epoch = nextVisitEpoch(defaultContext, contextSlots());
  const visited = defaultContext.visited;
  let head: u32 = 0;
  let tail: u32 = 0;
  let placed: u32 = 0;
  let scan: u32 = 0;
  let root = entry;
  while (placed < m) {
    if (head == tail) {
      if (root == NONE) {
        while (load<u16>(visited + (<usize>scan << 1)) == epoch) scan++;
        root = scan;
      }
      store<u16>(visited + (<usize>root << 1), epoch);
      store<u32>(queue + (<usize>tail << 2), root);
      tail++;
      if (root >= base) {
        store<u32>(order + (<usize>placed << 2), root);
        placed++;
      }
      root = NONE;
    }
    const u = load<u32>(queue + (<usize>head << 2));
    head++;
    const list = link0Ptr(u);
    const c = load<u32>(list);
    for (let j: u32 = 1; j <= c; j++) {
      const v = load<u32>(list + (<usize>j << 2));
      const vp = visited + (<usize>v << 1);
      if (load<u16>(vp) == epoch) continue;
      store<u16>(vp, epoch);
      store<u32>(queue + (<usize>tail << 2), v);
      tail++;
      if (v >= base) {
        store<u32>(order + (<usize>placed << 2), v);
        placed++;
      }
    }
  }
  heap.free(queue);
  for (let p: u32 = 0; p < base; p++) store<u32>(newId + (<usize>p << 2), p);
  for (let p: u32 = 0; p < m; p++) store<u32>(newId + (<usize>load<u32>(order + (<usize>p << 2)) << 2), base + p);

  // Permute every per-slot array in place, one cycle of the permutation at a time; the allow array is
  // scratch (rewritten before every filtered search) and marks the positions already filled.
  const tmpVec = heap.alloc(vecBytes);
  const tmpLinks = heap.alloc(link0Bytes);
  memory.fill(allow + <usize>base, 0, <usize>m);
  for (let start: u32 = base; start < n; start++) {
    if (load<u8>(allow + <usize>start) != 0) continue;
    if (load<u32>(order + (<usize>(start - base) << 2)) == start) {
      store<u8>(allow + <usize>start, 1);
      continue;
    }
    memory.copy(tmpVec, vecPtr(start), vecBytes);
    memory.copy(tmpLinks, link0Ptr(start), link0Bytes);
    const tNorm = load<f32>(norms + (<usize>start << 2));
    const tLevel = load<u8>(levels + <usize>start);
    const tOff = load<u32>(upperOff + (<usize>start << 2));
    const tFlags = load<u8>(flags + <usize>start);
    let cur = start;
    while (true) {
      store<u8>(allow + <usize>cur, 1);
      const src = load<u32>(order + (<usize>(cur - base) << 2));
      if (src == start) {
        memory.copy(vecPtr(cur), tmpVec, vecBytes);
        memory.copy(link0Ptr(cur), tmpLinks, link0Bytes);
        store<f32>(norms + (<usize>cur << 2), tNorm);
        store<u8>(levels + <usize>cur, tLevel);
        store<u32>(upperOff + (<usize>cur << 2), tOff);
        store<u8>(flags + <usize>cur, tFlags);
        break;
      }
      memory.copy(vecPtr(cur), vecPtr(src), vecBytes);
      memory.copy(link0Ptr(cur), link0Ptr(src), link0Bytes);
      store<f32>(norms + (<usize>cur << 2), load<f32>(norms + (<usize>src << 2)));
      store<u8>(levels + <usize>cur, load<u8>(levels + <usize>src));
      store<u32>(upperOff + (<usize>cur << 2), load<u32>(upperOff + (<usize>src << 2)));
      store<u8>(flags + <usize>cur, load<u8>(flags + <usize>src));
      cur = src;
    }
  }
  heap.free(tmpVec);
  heap.free(tmpLinks);

  // Rename the ids inside every list: layer 0 per slot, upper layers block by block (every block below
  // poolUsed belongs to a node, and its count was set when it was handed out).
  for (let p: u32 = 0; p < n; p++) {
    const list = link0Ptr(p);
    const c = load<u32>(list);
    for (let j: u32 = 1; j <= c; j++) {
      const at = list + (<usize>j << 2);
      store<u32>(at, load<u32>(newId + (<usize>load<u32>(at) << 2)));
    }
  }
  for (let b: u32 = 0; b < poolUsed; b++) {
    const list = pool + <usize>b * blockBytes;
    const c = load<u32>(list);
    for (let j: u32 = 1; j <= c; j++) {
      const at = list + (<usize>j << 2);
      store<u32>(at, load<u32>(newId + (<usize>load<u32>(at) << 2)));
    }
  }
  if (entry != NONE) setEntry(load<u32>(newId + (<usize>entry << 2)), maxLevel);
  heap.free(newId);
  return ST_OK;
}
