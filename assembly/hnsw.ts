// HNSW (Malkov & Yashunin) after hnswlib's hnswalg.h: levels drawn with mL = 1/ln(M), M links per
// node on upper layers and 2·M on layer 0, the neighbour-selection heuristic (getNeighborsByHeuristic2),
// efConstruction at insert, ef at search, greedy descent through the upper layers. Everything a search
// writes is in a SearchContext (search-context.ts) reserved beforehand (hnswReserveSearch), so a
// search allocates nothing and makes no call back to JS. Functions return status codes (ST_*) and
// never trap on bad input.
import { METRIC_COSINE, METRIC_DOT, dotInline, normalize } from './kernels';
import { distKey, keyDist, keyId, maxDrainAscending, maxPush, maxSiftDown, minHeapify, minPush, minSiftDown, sortKeys } from './hnsw-heap';
import {
  FLAG_DELETED, FLAG_REPLACED, NONE, ST_CAPACITY, ST_CORRUPT, ST_INVALID, ST_OK,
  allow, blockBytes, configure, contextSlots, count, createDefaultContext, defaultContext, deletedCount, dim, distance,
  drawLevel, efConstruction, entry, flags, flagsOf, levelOf, levels, link0Ptr, listPtr, M, M0, maxLevel, metric, norms,
  pool, poolUsed, reservePool, reserveResults, reserveSlots, rngState, setCount, setDeletedCount, setEntry,
  setPoolUsed, setRngState, upperOff, upperPtr, vecPtr, cap, chunkShift, memLimitPages, setMemoryLimitPages, vecBytes,
  kind, stageBuf, encodeCode, adoptState, saveState, STATE_BYTES, MAX_THREADS, threadContext, roomFor,
} from './hnsw-store';
import { ELEMENT_F32, ELEMENT_I8, vectorBytes } from './element';
import { validCode } from './hnsw-codes';
import { SearchContext, nextVisitEpoch } from './search-context';
import { adoptTxState, inTx, saveTxState, txBase, txBegin, txCommit, txRollback, txSaveNode, txSaveNodeShared } from './hnsw-tx';
import { reorder, reorderMap, reorderRelease } from './hnsw-reorder';
import { MAX_DIMENSION, MAX_EF, MAX_LEVEL, MAX_M, MIN_M } from './limits';
import {
  adoptFilterState, FILTER_HOST, FILTER_NONE, FILTER_PROGRAM, filterMatches, programSize, saveFilterState,
} from './filter-eval';
import { lockAt, lockTable, nodeLock, unlockAt } from './locks';

// A function filter, called back in JS for each slot a filtered search reaches (FILTER_HOST).
// @ts-ignore: decorator
@external("env", "filterHost")
declare function filterHost(slot: u32): i32;

// Which nodes may enter a result set. Every node stays navigable whatever its flags.
const MODE_BUILD: i32 = 0; // inserts: live nodes not being replaced
const MODE_ALL: i32 = 1; // searches with no deletions and no open transaction
const MODE_LIVE: i32 = 2; // searches: not deleted, and committed (below the limit)
const MODE_LAZY: i32 = 3; // filtered searches evaluating the filter as nodes are reached (lazyMatch)

/** The filter a MODE_LAZY search runs: FILTER_PROGRAM or FILTER_HOST. */
let lazyKind: i32 = FILTER_NONE;
/**
 * Which search (or batch) the memo bytes belong to, 1..127: a slot's byte is epoch·2 + its answer, so
 * a new search starts with nothing evaluated without clearing n bytes; every 127 searches it does.
 */
let memoEpoch: u32 = 127;

/** Whether a live slot passes the lazy filter, evaluated at most once per search (or batch). */
function lazyMatch(id: u32): bool {
  const p = allow + <usize>id;
  const memo = <u32>load<u8>(p);
  if (memo >> 1 == memoEpoch) return (memo & 1) != 0;
  const ok = lazyKind == FILTER_PROGRAM ? filterMatches(id) : filterHost(id) != 0;
  store<u8>(p, <u8>((memoEpoch << 1) | (ok ? 1 : 0)));
  return ok;
}

// @ts-ignore: decorator
@inline function admits(id: u32, mode: i32, limit: u32): bool {
  if (mode == MODE_ALL) return true;
  if (mode == MODE_BUILD) return flagsOf(id) == 0;
  if (mode == MODE_LIVE) return id < limit && (flagsOf(id) & FLAG_DELETED) == 0;
  return id < limit && (flagsOf(id) & FLAG_DELETED) == 0 && lazyMatch(id);
}

/**
 * Best-first search of one layer from `ep` (searchBaseLayerST / searchBaseLayer). Leaves up to `ef`
 * admitted nodes in the max-heap `topHeap` and returns how many. While fewer than `ef` nodes are
 * admitted it keeps expanding, which is what lets deletions and filters still fill the result.
 */
function searchLayer(ctx: SearchContext, ep: u32, epDist: f32, q: usize, layer: i32, ef: i32, mode: i32, limit: u32): i32 {
  return searchLayerImpl(ctx, ep, epDist, q, layer, ef, mode, limit, false);
}

/** searchLayer in a parallel insert: each list is read under its node's lock (locks.ts). */
function searchLayerLocked(ctx: SearchContext, ep: u32, epDist: f32, q: usize, layer: i32, ef: i32): i32 {
  return searchLayerImpl(ctx, ep, epDist, q, layer, ef, MODE_BUILD, NONE, true);
}

// @ts-ignore: decorator
@inline function searchLayerImpl(
  ctx: SearchContext, ep: u32, epDist: f32, q: usize, layer: i32, ef: i32, mode: i32, limit: u32, locked: bool,
): i32 {
  const epoch = nextVisitEpoch(ctx, contextSlots());
  const vis = ctx.visited;
  const cand = ctx.candHeap;
  const top = ctx.topHeap;
  const batch = ctx.batchBuf;
  let candSize = 0;
  let topSize = 0;
  let lowerBound: f32 = Infinity;

  store<u16>(vis + (<usize>ep << 1), epoch);
  const epKey = distKey(epDist, ep);
  if (admits(ep, mode, limit)) {
    maxPush(top, 0, epKey);
    topSize = 1;
    lowerBound = epDist;
  }
  minPush(cand, 0, epKey);
  candSize = 1;

  while (candSize > 0) {
    const ck = load<u64>(cand);
    if (keyDist(ck) > lowerBound && topSize >= ef) break;
    candSize--;
    if (candSize > 0) minSiftDown(cand, candSize, load<u64>(cand + (<usize>candSize << 3)));

    const node = keyId(ck);
    const list = listPtr(node, layer);
    if (locked) lockAt(nodeLock(lockTable, node));
    const n = load<u32>(list);
    // Gather the unvisited neighbours first and touch each one's vector: WASM has no prefetch, but
    // these loads start every cache miss at once instead of one distance at a time. The list of the
    // next candidate in line is touched too (hnswlib prefetches it the same way).
    let m = 0;
    let touch: u32 = candSize > 0 ? load<u32>(listPtr(keyId(load<u64>(cand)), layer)) : 0;
    for (let j: u32 = 1; j <= n; j++) {
      const nb = load<u32>(list + (<usize>j << 2));
      const vp = vis + (<usize>nb << 1);
      if (load<u16>(vp) == epoch) continue;
      store<u16>(vp, epoch);
      store<u32>(batch + (<usize>m << 2), nb);
      m++;
      touch += load<u32>(vecPtr(nb));
    }
    if (locked) unlockAt(nodeLock(lockTable, node));
    ctx.touchSink ^= touch;
    for (let j = 0; j < m; j++) {
      const nb = load<u32>(batch + (<usize>j << 2));
      const d = distance(q, vecPtr(nb));
      if (topSize < ef || d < lowerBound) {
        const key = distKey(d, nb);
        minPush(cand, candSize, key);
        candSize++;
        if (admits(nb, mode, limit)) {
          if (topSize < ef) {
            maxPush(top, topSize, key);
            topSize++;
          } else {
            maxSiftDown(top, topSize, key); // replaces the farthest
          }
          lowerBound = keyDist(load<u64>(top));
        }
      }
    }
  }
  return topSize;
}

/** Greedy descent from layer `from` down to (not into) layer `to`; the distance is left in ctx.greedyDist. */
function greedy(ctx: SearchContext, q: usize, start: u32, startDist: f32, from: i32, to: i32): u32 {
  return greedyImpl(ctx, q, start, startDist, from, to, false);
}

// @ts-ignore: decorator
@inline function greedyImpl(ctx: SearchContext, q: usize, start: u32, startDist: f32, from: i32, to: i32, locked: bool): u32 {
  let cur = start;
  let curDist = startDist;
  for (let layer = from; layer > to; layer--) {
    let changed = true;
    while (changed) {
      changed = false;
      let list = upperPtr(cur, layer);
      if (locked) {
        // A copy taken under the lock: another thread may be re-selecting this list.
        const lock = nodeLock(lockTable, cur);
        lockAt(lock);
        memory.copy(ctx.batchBuf, list, <usize>(load<u32>(list) + 1) << 2);
        unlockAt(lock);
        list = ctx.batchBuf;
      }
      const n = load<u32>(list);
      let touch: u32 = 0;
      for (let j: u32 = 1; j <= n; j++) touch += load<u32>(vecPtr(load<u32>(list + (<usize>j << 2))));
      ctx.touchSink ^= touch;
      for (let j: u32 = 1; j <= n; j++) {
        const c = load<u32>(list + (<usize>j << 2));
        const d = distance(q, vecPtr(c));
        if (d < curDist) {
          curDist = d;
          cur = c;
          changed = true;
        }
      }
    }
  }
  ctx.greedyDist = curDist;
  return cur;
}

/** True if `key`'s node is nearer to the base than to each of the `m` nodes kept in `kept`. */
// @ts-ignore: decorator
@inline function diverse(key: u64, kept: usize, m: i32): bool {
  const dq = keyDist(key);
  const cv = vecPtr(keyId(key));
  for (let j = 0; j < m; j++) {
    if (distance(vecPtr(keyId(load<u64>(kept + (<usize>j << 3)))), cv) < dq) return false;
  }
  return true;
}

/**
 * getNeighborsByHeuristic2, in place: `keys` holds `n` candidates sorted nearest first; a candidate is
 * kept only if it is nearer to the base than to every candidate kept before it. The kept ones end up
 * in keys[0..result), still nearest first. Fewer than `maxM` candidates are all kept, as in hnswlib.
 */
function selectNeighbors(keys: usize, n: i32, maxM: i32): i32 {
  if (n < maxM) return n;
  let m = 0;
  for (let i = 0; i < n && m < maxM; i++) {
    const key = load<u64>(keys + (<usize>i << 3));
    if (diverse(key, keys, m)) {
      store<u64>(keys + (<usize>m << 3), key);
      m++;
    }
  }
  return m;
}

/**
 * The same heuristic over the `n` candidates left in the max-heap topHeap, written nearest first to
 * `out`. The heap is re-heaped as a min-heap and popped only as far as the heuristic reads, instead
 * of sorting all efConstruction candidates when typically a fraction of them is examined.
 */
function selectFromTop(ctx: SearchContext, n: i32, maxM: i32, out: usize): i32 {
  const heap = ctx.topHeap;
  if (n < maxM) {
    maxDrainAscending(heap, n, out);
    return n;
  }
  minHeapify(heap, n);
  let m = 0;
  let size = n;
  while (size > 0 && m < maxM) {
    const key = load<u64>(heap);
    size--;
    if (size > 0) minSiftDown(heap, size, load<u64>(heap + (<usize>size << 3)));
    if (diverse(key, out, m)) {
      store<u64>(out + (<usize>m << 3), key);
      m++;
    }
  }
  return m;
}

/**
 * mutuallyConnectNewElement: links `id` at `layer` to the heuristic's pick among the `n` candidates in
 * topHeap, and each pick back to `id`, re-running the heuristic on a pick whose list is full. Returns
 * the nearest pick (where the next layer's search starts) or a negative status. `locked` (a parallel
 * insert): each list is changed under its node's lock, and may already hold what another thread added.
 */
// @ts-ignore: decorator
@inline function connectImpl(ctx: SearchContext, id: u32, layer: i32, n: i32, locked: bool): i64 {
  const keys = ctx.sortBuf;
  const m = selectFromTop(ctx, n, M, keys);
  const mmax = layer == 0 ? M0 : M;
  const own = listPtr(id, layer);
  if (locked) lockAt(nodeLock(lockTable, id));
  if (load<u32>(own) == 0) {
    store<u32>(own, <u32>m);
    for (let i = 0; i < m; i++) store<u32>(own + 4 + (<usize>i << 2), keyId(load<u64>(keys + (<usize>i << 3))));
  } else {
    mergeOwnList(ctx, id, own, keys, m, mmax);
  }
  if (locked) unlockAt(nodeLock(lockTable, id));

  const buf = ctx.nbrBuf;
  for (let i = 0; i < m; i++) {
    const s = keyId(load<u64>(keys + (<usize>i << 3)));
    if (s == id) continue;
    if (locked) lockAt(nodeLock(lockTable, s));
    if ((locked ? txSaveNodeShared(s) : txSaveNode(s)) != ST_OK) {
      if (locked) unlockAt(nodeLock(lockTable, s));
      return ST_CAPACITY;
    }
    const list = listPtr(s, layer);
    const c = <i32>load<u32>(list);
    if (locked && listHas(list, c, id)) {
      unlockAt(nodeLock(lockTable, s));
      continue;
    }
    if (c < mmax) {
      store<u32>(list + 4 + (<usize>c << 2), id);
      store<u32>(list, <u32>(c + 1));
    } else {
      const base = vecPtr(s);
      store<u64>(buf, distKey(distance(base, vecPtr(id)), id));
      for (let j = 0; j < c; j++) {
        const nb = load<u32>(list + 4 + (<usize>j << 2));
        store<u64>(buf + (<usize>(j + 1) << 3), distKey(distance(base, vecPtr(nb)), nb));
      }
      sortKeys(buf, c + 1);
      const kept = selectNeighbors(buf, c + 1, mmax);
      store<u32>(list, <u32>kept);
      for (let j = 0; j < kept; j++) store<u32>(list + 4 + (<usize>j << 2), keyId(load<u64>(buf + (<usize>j << 3))));
    }
    if (locked) unlockAt(nodeLock(lockTable, s));
  }
  return <i64>keyId(load<u64>(keys));
}

function connect(ctx: SearchContext, id: u32, layer: i32, n: i32): i64 {
  return connectImpl(ctx, id, layer, n, false);
}

function connectLocked(ctx: SearchContext, id: u32, layer: i32, n: i32): i64 {
  return connectImpl(ctx, id, layer, n, true);
}

/** True if the list at `list` (with `c` entries) holds `id`. */
function listHas(list: usize, c: i32, id: u32): bool {
  for (let j = 0; j < c; j++) if (load<u32>(list + 4 + (<usize>j << 2)) == id) return true;
  return false;
}

/**
 * A parallel insert's own list at a layer where other threads linked to `id` first (only a parallel
 * insert gets here): its `m` picks in `keys` join what the list holds, and if that is more than `mmax`
 * the heuristic chooses among them, as it does for a full neighbour's list.
 */
function mergeOwnList(ctx: SearchContext, id: u32, own: usize, keys: usize, m: i32, mmax: i32): void {
  const buf = ctx.nbrBuf;
  const base = vecPtr(id);
  const c = <i32>load<u32>(own);
  let total = 0;
  for (let j = 0; j < c; j++) {
    const nb = load<u32>(own + 4 + (<usize>j << 2));
    store<u64>(buf + (<usize>total << 3), distKey(distance(base, vecPtr(nb)), nb));
    total++;
  }
  for (let i = 0; i < m; i++) {
    const key = load<u64>(keys + (<usize>i << 3));
    if (listHas(own, c, keyId(key))) continue;
    store<u64>(buf + (<usize>total << 3), key);
    total++;
  }
  sortKeys(buf, total);
  const kept = total > mmax ? selectNeighbors(buf, total, mmax) : total;
  store<u32>(own, <u32>kept);
  for (let j = 0; j < kept; j++) store<u32>(own + 4 + (<usize>j << 2), keyId(load<u64>(buf + (<usize>j << 3))));
}

// ---------------------------------------------------------------------------------------------------
// Exports

/** Sets up an empty index. Returns ST_OK or ST_INVALID (bad parameters) or ST_CAPACITY. */
export function hnswInit(d: i32, m: i32, mm: i32, efc: i32, seedLo: u32, seedHi: u32, k: i32): i32 {
  if (vecBytes != 0) return ST_INVALID; // one index per instance
  if (d < 1 || d > MAX_DIMENSION || m < METRIC_COSINE || m > METRIC_DOT || mm < MIN_M || mm > MAX_M || efc < 1 || efc > MAX_EF) {
    return ST_INVALID;
  }
  if (k < ELEMENT_F32 || k > ELEMENT_I8) return ST_INVALID;
  configure(d, m, mm, efc < mm ? mm : efc, seedLo, seedHi, k);
  const st = createDefaultContext();
  return st != ST_OK ? st : reserveResults(defaultContext, efConstruction);
}

/** Makes room for `n` more slots, so the facade can write vectors at hnswVecPtr(count ..). */
export function hnswReserve(n: u32): i32 {
  return reserveSlots(<u64>count + <u64>n);
}

/**
 * Inserts the vector the facade wrote at slot `count` as a new node. Returns the slot, or a negative
 * status. Call inside a transaction: on ST_CAPACITY part of the graph may have changed and only
 * hnswTxRollback restores it.
 */
export function hnswInsert(): i32 {
  return insertNode(false, 0);
}

/**
 * hnswInsert for a vector exactly as this engine stores it (for cosine: already unit length) with its
 * stored `norm`: compaction copies live slots into a fresh engine this way, because normalizing a unit
 * vector again can change its last bits, and the copy must be the node a fresh index would hold.
 */
export function hnswInsertStored(norm: f32): i32 {
  return insertNode(true, norm);
}

function insertNode(stored: bool, storedNorm: f32): i32 {
  if (count >= cap) return ST_INVALID;
  const id = count;
  // The facade wrote an f32 vector at hnswStagePtr (the slot itself for f32), or a stored code at the slot.
  prepareVector(id, kind == ELEMENT_F32 ? vecPtr(id) : stageBuf, stored, storedNorm);
  const rngBefore = rngState;
  const level = drawLevel();
  if (level > 0 && reservePool(<u64>poolUsed + <u64>level) != ST_OK) {
    setRngState(rngBefore);
    return ST_CAPACITY;
  }
  placeNode(id, level);
  setCount(id + 1);

  if (entry == NONE) {
    setEntry(id, level);
    return <i32>id;
  }
  const top = maxLevel;
  const st = linkNode(defaultContext, id, level, entry, top);
  if (st != ST_OK) return st;
  if (level > top) setEntry(id, level);
  return <i32>id;
}

/**
 * Stores slot `id`'s norm, and its code from the f32 vector at `staged` (normalized in place for
 * cosine; for f32 `staged` is the slot itself); a `stored` insert's code is already in the slot.
 */
export function prepareVector(id: u32, staged: usize, stored: bool, storedNorm: f32): void {
  const norm: f32 = stored ? storedNorm : metric == METRIC_COSINE ? normalize(staged, dim) : Mathf.sqrt(dotInline(staged, staged, dim));
  if (!stored && kind != ELEMENT_F32) encodeCode(staged, vecPtr(id));
  store<f32>(norms + (<usize>id << 2), norm);
}

/** Gives slot `id` its level and empty lists, taking `level` upper blocks from the pool (reserved first). */
export function placeNode(id: u32, level: i32): void {
  store<u8>(levels + <usize>id, <u8>level);
  store<u8>(flags + <usize>id, 0);
  store<u32>(link0Ptr(id), 0);
  if (level > 0) {
    store<u32>(upperOff + (<usize>id << 2), poolUsed);
    for (let l = 0; l < level; l++) store<u32>(pool + <usize>(poolUsed + <u32>l) * blockBytes, 0);
    setPoolUsed(poolUsed + <u32>level);
  } else {
    store<u32>(upperOff + (<usize>id << 2), 0);
  }
}

/**
 * Links node `id` (of `level`) into the graph whose entry point is `ep` on layer `top`: the greedy
 * descent, then per layer the construction search and connect. Returns ST_OK or ST_CAPACITY (the undo
 * log could not grow: only a rollback restores the graph then).
 */
function linkNode(ctx: SearchContext, id: u32, level: i32, ep: u32, top: i32): i32 {
  return linkNodeImpl(ctx, id, level, ep, top, false);
}

/**
 * linkNode in a parallel insert (hnsw-parallel.ts): every list read and changed under its node's lock.
 * A separate function, so that nothing a worker runs can reach the allocator (scripts/build-wasm.mjs).
 */
export function linkNodeLocked(ctx: SearchContext, id: u32, level: i32, ep: u32, top: i32): i32 {
  return linkNodeImpl(ctx, id, level, ep, top, true);
}

// @ts-ignore: decorator
@inline function linkNodeImpl(ctx: SearchContext, id: u32, level: i32, ep: u32, top: i32, locked: bool): i32 {
  const v = vecPtr(id);
  let cur = ep;
  let curDist = distance(v, vecPtr(cur));
  if (level < top) {
    cur = greedyImpl(ctx, v, cur, curDist, top, level, locked);
    curDist = ctx.greedyDist;
  }
  // A deleted or replaced entry point is never admitted by the search, but linking to it keeps the
  // new node reachable from the top (hnswlib does the same).
  const epFlagged = flagsOf(ep) != 0;
  for (let layer = level < top ? level : top; layer >= 0; layer--) {
    let n = locked ? searchLayerLocked(ctx, cur, curDist, v, layer, efConstruction)
      : searchLayer(ctx, cur, curDist, v, layer, efConstruction, MODE_BUILD, NONE);
    if (epFlagged) {
      const key = distKey(distance(v, vecPtr(ep)), ep);
      if (n < efConstruction) {
        maxPush(ctx.topHeap, n, key);
        n++;
      } else if (key < load<u64>(ctx.topHeap)) {
        maxSiftDown(ctx.topHeap, n, key);
      }
    }
    if (n == 0) continue;
    const next = locked ? connectLocked(ctx, id, layer, n) : connect(ctx, id, layer, n);
    if (next < 0) return <i32>next;
    cur = <u32>next;
    curDist = distance(v, vecPtr(cur));
  }
  return ST_OK;
}

export function hnswTxBegin(): void {
  txBegin();
}

export function hnswTxCommit(): void {
  txCommit();
}

export function hnswTxRollback(): void {
  txRollback();
}

/** Marks a slot deleted: it stays navigable but is never returned again. */
export function hnswMarkDeleted(slot: u32): i32 {
  if (slot >= count) return ST_INVALID;
  const p = flags + <usize>slot;
  if ((load<u8>(p) & FLAG_DELETED) == 0) setDeletedCount(deletedCount + 1);
  store<u8>(p, FLAG_DELETED);
  return ST_OK;
}

/** Marks (on != 0) or unmarks a live slot as being replaced by an open transaction. */
export function hnswSetReplaced(slot: u32, on: i32): i32 {
  if (slot >= count) return ST_INVALID;
  const p = flags + <usize>slot;
  if ((load<u8>(p) & FLAG_DELETED) != 0) return ST_INVALID;
  store<u8>(p, on != 0 ? FLAG_REPLACED : 0);
  return ST_OK;
}

/** Scans the committed slots `mode` admits exactly, keeping the k nearest in topHeap; returns how many. */
function exactScan(ctx: SearchContext, q: usize, k: i32, limit: u32, mode: i32): i32 {
  const top = ctx.topHeap;
  let n = 0;
  for (let id: u32 = 0; id < limit; id++) {
    if (!admits(id, mode, limit)) continue;
    const key = distKey(distance(q, vecPtr(id)), id);
    if (n < k) {
      maxPush(top, n, key);
      n++;
    } else if (key < load<u64>(top)) {
      maxSiftDown(top, n, key);
    }
  }
  return n;
}

/**
 * k-nearest search for the query the facade wrote at hnswQueryPtr() (normalized here for cosine).
 * Writes up to k ids and distances, nearest first, to hnswOutIdsPtr()/hnswOutDistsPtr() and returns
 * how many, or a negative status. `filtered` says which entries may be returned:
 * - FILTER_NONE: every live one;
 * - FILTER_PROGRAM, FILTER_HOST: those passing the program installed with filterUse, or filterHost,
 *   evaluated only for the slots the search reaches (lazyMatch).
 * The plan is an exact scan of the matches when the filter is selective enough that it costs less
 * than the graph search (planFilteredScan), else the graph search, which navigates through every
 * node but admits only matches, keeping on until it holds ef of them; one that still ends with fewer
 * than k (matches the graph cannot reach, or fewer than k exist) is redone as an exact scan.
 */
export function hnswSearch(k: i32, ef: i32, filtered: i32): i32 {
  const ctx = defaultContext;
  const st = hnswBeginFilter(filtered);
  if (st != ST_OK) return st;
  // 0: the context's output arrays.
  return searchInto(ctx, ctx.query, k, ef, filtered, 0, 0);
}

/** Where hnswThreadState saves the lazy filter's kind and memo epoch in the state block. */
const STATE_LAZY_KIND: usize = 184;
const STATE_MEMO_EPOCH: usize = 188;

/**
 * Checks `filtered`; a lazy filter starts with no slot evaluated. A parallel batch's owner calls it
 * (exported for that) before saving its state: the workers adopt the filter kind and the memo epoch,
 * and share the memo bytes. Two threads evaluating one slot store the same byte, so they may race.
 */
export function hnswBeginFilter(filtered: i32): i32 {
  if (filtered < FILTER_NONE || filtered > FILTER_HOST) return ST_INVALID;
  if (filtered != FILTER_NONE) {
    lazyKind = filtered;
    if (++memoEpoch > 127) {
      memory.fill(allow, 0, <usize>count);
      memoEpoch = 1;
    }
  }
  return ST_OK;
}

/** Slots sampled to estimate how many entries a lazy filter passes. */
const SAMPLES: u32 = 256;

/** About how many live slots below `limit` pass the lazy filter: all counted when few, else a sample. */
function estimateMatches(limit: u32, live: f64): f64 {
  let seen: u32 = 0;
  let hits: u32 = 0;
  const all = limit <= SAMPLES;
  const n = all ? limit : SAMPLES;
  for (let i: u32 = 0; i < n; i++) {
    // Spread by a multiplicative hash, so that a filter on a pattern of slots is not aliased.
    const id = all ? i : <u32>(<u64>(i * 0x9e3779b1) % <u64>limit);
    if ((flagsOf(id) & FLAG_DELETED) != 0) continue;
    seen++;
    if (lazyMatch(id)) hits++;
  }
  if (all) return <f64>hits;
  return seen == 0 ? 0 : (<f64>hits / <f64>seen) * live;
}

/**
 * Whether an exact scan of a lazy filter's matches should beat the graph search, in units of one
 * distance: the scan evaluates the filter for every live slot and measures the matches (each about two
 * distances' worth, see below); the graph
 * search reaches about ef·M0 / (2·selectivity) nodes (at most all of them), measuring and evaluating each.
 * Measured here (bench/ section filter): a distance costs about 2 + dim/8 ns, a program about 3 ns
 * per instruction, a call back to JS about 30 ns.
 */
function planFilteredScan(limit: u32, e: i32): bool {
  const live: f64 = <f64>(limit > deletedCount ? limit - deletedCount : 0);
  if (live < 1) return true;
  const matches = estimateMatches(limit, live);
  const distanceNs: f64 = 2 + <f64>dim / 8;
  const cf: f64 = (lazyKind == FILTER_PROGRAM ? 3 * <f64>programSize() : 30) / distanceNs;
  // About half of ef·M0 / selectivity: neighbours already visited cost nothing (measured in bench/ section filter).
  const reached = matches < 1 ? live : Math.min(live, (0.5 * <f64>e * <f64>M0 * live) / matches);
  // A scan's distances cost about twice a traversal's: its matches are scattered over all of memory,
  // where the traversal's neighbours tend to sit near each other (bench section 7, 50k × 768 at 10 %).
  return live * cf + 2 * matches <= reached * (1 + cf);
}

/** The result heap size a search with these k and ef uses (searchInto clamps the same way). */
function searchEf(k: i32, ef: i32): i32 {
  const limit = inTx ? txBase : count;
  const kk: i32 = <u32>k > limit ? <i32>limit : k;
  let e: i32 = ef < kk ? kk : ef;
  if (<u32>e > count) e = <i32>count;
  return e;
}

/**
 * Makes the default context's result arrays big enough for searches with this k and ef, so the
 * search itself never allocates. Returns the result room now reserved (searches whose max(k, ef)
 * is at most that need no call), or ST_INVALID / ST_CAPACITY.
 */
export function hnswReserveSearch(k: i32, ef: i32): i32 {
  if (k < 1 || ef < 1) return ST_INVALID;
  const ctx = defaultContext;
  const st = reserveResults(ctx, searchEf(k, ef));
  return st != ST_OK ? st : ctx.resultCap;
}

/**
 * searchBatch: `n` queries stored back to back at `queries` (dim f32 each), searched one after the
 * other with hnswSearch's parameters (one filter mask for all). Each query is copied into the query
 * scratch first (cosine normalizes it in place), and query i's results go to outIds/outDists + i·k,
 * its count to outCounts[i] (u32). The caller allocates the outputs; search scratch is reused across
 * queries. Returns ST_OK or the first negative status (earlier queries' outputs are then written).
 */
export function hnswSearchBatch(
  queries: usize, n: u32, k: i32, ef: i32, filtered: i32, idsOut: usize, distsOut: usize, countsOut: usize,
): i32 {
  if (k < 1 || ef < 1) return ST_INVALID;
  const st = hnswBeginFilter(filtered);
  if (st != ST_OK) return st;
  const ctx = defaultContext;
  const query = ctx.query;
  const stride = <usize>k << 2;
  const queryBytes = vectorBytes(dim);
  for (let i: u32 = 0; i < n; i++) {
    memory.copy(query, queries + <usize>i * queryBytes, queryBytes);
    const r = searchInto(ctx, query, k, ef, filtered, idsOut + <usize>i * stride, distsOut + <usize>i * stride);
    if (r < 0) return r;
    store<u32>(countsOut + (<usize>i << 2), <u32>r);
  }
  return ST_OK;
}

/**
 * hnswSearchBatch on several threads at once (src/threads/): each thread claims the next query with an
 * atomic counter at `claim` and searches it with its own context. Thread 0 is the owner; worker t >= 1
 * adopts the owner's state block from hnswThreadState first. `filtered` is FILTER_NONE or
 * FILTER_PROGRAM, begun by the owner (hnswBeginFilter, before the state was saved, with a stack per
 * thread: filterStacks); never FILTER_HOST, whose JS callback exists on the owner's thread only.
 * Returns how many queries this thread searched, or a negative status; the owner reserved every
 * context's result room for this k and ef (hnswThreadReserve) beforehand, so nothing allocates.
 */
export function hnswSearchBatchPart(
  thread: i32, state: usize, claim: usize, queries: usize, n: u32, k: i32, ef: i32, filtered: i32, idsOut: usize,
  distsOut: usize, countsOut: usize,
): i32 {
  if (k < 1 || ef < 1 || (filtered != FILTER_NONE && filtered != FILTER_PROGRAM)) return ST_INVALID;
  if (thread != 0) {
    adoptState(state, thread);
    adoptTxState(state);
    adoptFilterState(state, thread);
    lazyKind = load<i32>(state + STATE_LAZY_KIND);
    memoEpoch = load<u32>(state + STATE_MEMO_EPOCH);
  }
  const ctx = defaultContext;
  const query = ctx.query;
  const stride = <usize>k << 2;
  const queryBytes = vectorBytes(dim);
  let searched = 0;
  if (ASC_FEATURE_THREADS) {
    while (true) {
      const i = atomic.add<u32>(claim, 1);
      if (i >= n) break;
      memory.copy(query, queries + <usize>i * queryBytes, queryBytes);
      const r = searchInto(ctx, query, k, ef, filtered, idsOut + <usize>i * stride, distsOut + <usize>i * stride);
      if (r < 0) return r;
      store<u32>(countsOut + (<usize>i << 2), <u32>r);
      searched++;
    }
  }
  return searched;
}

/** The block the owner's globals are saved in for the workers (hnsw-store.ts saveState): allocated once. */
let stateBlock: usize = 0;

/** Owner: saves its globals for the workers of a parallel call; returns the block (0 if memory is short). */
export function hnswThreadState(): usize {
  if (stateBlock == 0) {
    if (!roomFor(<u64>STATE_BYTES)) return 0;
    stateBlock = heap.alloc(STATE_BYTES);
  }
  saveState(stateBlock);
  saveTxState(stateBlock);
  saveFilterState(stateBlock);
  store<i32>(stateBlock + STATE_LAZY_KIND, lazyKind);
  store<u32>(stateBlock + STATE_MEMO_EPOCH, memoEpoch);
  return stateBlock;
}

/**
 * Owner: makes worker thread `t`'s search context (1 <= t < MAX_THREADS) if it has none, with result
 * room for searches with this k and ef (and for inserts). ST_OK, ST_INVALID or ST_CAPACITY.
 */
export function hnswThreadReserve(t: i32, k: i32, ef: i32): i32 {
  if (k < 1 || ef < 1 || t < 1 || t >= MAX_THREADS) return ST_INVALID;
  const ctx = threadContext(t);
  if (ctx == 0) return ST_CAPACITY;
  return reserveResults(changetype<SearchContext>(ctx), searchEf(k, ef));
}

/**
 * hnswSearch's work for the query at `q`, writing to `idsOut`/`distsOut` (room for k each), or, when
 * they are 0, to the context's outIds/outDists. The context's result room must have been reserved
 * for this k and ef (hnswReserveSearch): a search allocates nothing.
 */
function searchInto(
  ctx: SearchContext, q: usize, k: i32, ef: i32, filtered: i32, idsOut: usize, distsOut: usize,
): i32 {
  if (k < 1 || ef < 1) return ST_INVALID;
  const limit = inTx ? txBase : count;
  if (limit == 0 || entry == NONE) return 0;
  const kk: i32 = <u32>k > limit ? <i32>limit : k;
  let e: i32 = ef < kk ? kk : ef;
  if (<u32>e > count) e = <i32>count;
  if (e > ctx.resultCap) return ST_INVALID; // not reserved: the facade's bug, never an allocation here
  if (idsOut == 0) {
    idsOut = ctx.outIds;
    distsOut = ctx.outDists;
  }
  const topHeap = ctx.topHeap;
  const sortBuf = ctx.sortBuf;

  if (metric == METRIC_COSINE) normalize(q, dim);
  // The traversal measures codes against codes; the f32 query stays for an exact rescore (hnswRescore).
  if (kind != ELEMENT_F32) {
    encodeCode(q, ctx.queryCode);
    q = ctx.queryCode;
  }
  let n = 0;
  const lazy = filtered != FILTER_NONE;
  const mode = lazy ? MODE_LAZY : deletedCount == 0 && !inTx ? MODE_ALL : MODE_LIVE;
  if (lazy && planFilteredScan(limit, e)) {
    n = exactScan(ctx, q, kk, limit, mode);
  } else {
    let cur = entry;
    let curDist = distance(q, vecPtr(cur));
    if (maxLevel > 0) {
      cur = greedy(ctx, q, cur, curDist, maxLevel, 0);
      curDist = ctx.greedyDist;
    }
    n = searchLayer(ctx, cur, curDist, q, 0, e, mode, limit);
    while (n > kk) {
      n--;
      maxSiftDown(topHeap, n, load<u64>(topHeap + (<usize>n << 3)));
    }
    if (lazy && n < kk) n = exactScan(ctx, q, kk, limit, mode);
  }
  maxDrainAscending(topHeap, n, sortBuf);
  for (let i = 0; i < n; i++) {
    const key = load<u64>(sortBuf + (<usize>i << 3));
    store<u32>(idsOut + (<usize>i << 2), keyId(key));
    store<f32>(distsOut + (<usize>i << 2), keyDist(key));
  }
  return n;
}

/** Before a load: room for `n` slots and `blocks` upper-layer blocks in a fresh index. */
export function hnswLoadReserve(n: u32, blocks: u32): i32 {
  if (count != 0 || entry != NONE) return ST_INVALID;
  let st = reserveSlots(n > 0 ? <u64>n : 1);
  if (st == ST_OK && blocks > 0) st = reservePool(<u64>blocks);
  return st;
}

/**
 * After the facade copied a snapshot's arrays in: checks that the graph is safe to traverse (every
 * count within its list, every id below n, every upper list inside the pool and on a level its node
 * has, a valid entry point, finite vectors) and adopts the counters. ST_CORRUPT leaves the index empty.
 */
export function hnswLoadFinish(n: u32, used: u32, ep: u32, maxLvl: i32, rngLo: u32, rngHi: u32): i32 {
  if (count != 0 || entry != NONE) return ST_INVALID;
  if (n > cap) return ST_CORRUPT;
  if (n == 0) {
    if (ep != NONE || maxLvl != -1 || used != 0) return ST_CORRUPT;
  } else {
    if (ep >= n || maxLvl < 0 || maxLvl > MAX_LEVEL || levelOf(ep) != maxLvl) return ST_CORRUPT;
    if (used > 0 && reservePool(<u64>used) != ST_OK) return ST_CORRUPT;
  }
  let deleted: u32 = 0;
  for (let id: u32 = 0; id < n; id++) {
    const f = flagsOf(id);
    if (f > FLAG_DELETED) return ST_CORRUPT;
    if (f == FLAG_DELETED) deleted++;
    const level = levelOf(id);
    if (level > maxLvl) return ST_CORRUPT;
    const norm = load<f32>(norms + (<usize>id << 2));
    if (!(norm >= 0) || norm == Infinity) return ST_CORRUPT;
    if (!validCode(vecPtr(id))) return ST_CORRUPT;
    const l0 = link0Ptr(id);
    const c0 = load<u32>(l0);
    if (c0 > <u32>M0) return ST_CORRUPT;
    for (let j: u32 = 1; j <= c0; j++) if (load<u32>(l0 + (<usize>j << 2)) >= n) return ST_CORRUPT;
    if (level > 0) {
      if (<u64>load<u32>(upperOff + (<usize>id << 2)) + <u64>level > <u64>used) return ST_CORRUPT;
      for (let layer = 1; layer <= level; layer++) {
        const list = upperPtr(id, layer);
        const c = load<u32>(list);
        if (c > <u32>M) return ST_CORRUPT;
        for (let j: u32 = 1; j <= c; j++) {
          const nb = load<u32>(list + (<usize>j << 2));
          if (nb >= n || levelOf(nb) < layer) return ST_CORRUPT;
        }
      }
    }
  }
  setCount(n);
  setPoolUsed(used);
  setEntry(n == 0 ? NONE : ep, n == 0 ? -1 : maxLvl);
  setDeletedCount(deleted);
  setRngState((<u64>rngHi << 32) | <u64>rngLo);
  return ST_OK;
}

export function hnswCount(): u32 {
  return count;
}
export function hnswPoolUsed(): u32 {
  return poolUsed;
}
export function hnswEntryPoint(): u32 {
  return entry;
}
export function hnswMaxLevel(): i32 {
  return maxLevel;
}
export function hnswRngLo(): u32 {
  return <u32>rngState;
}
export function hnswRngHi(): u32 {
  return <u32>(rngState >> 32);
}
/** Slots per chunk of the vector and layer-0 arrays: a run of slots inside one chunk is contiguous. */
export function hnswChunkSlots(): u32 {
  return <u32>1 << chunkShift;
}
export function hnswVecPtr(slot: u32): usize {
  return slot < cap ? vecPtr(slot) : 0;
}
export function hnswLink0Ptr(slot: u32): usize {
  return slot < cap ? link0Ptr(slot) : 0;
}
export function hnswNormsPtr(): usize {
  return norms;
}
export function hnswLevelsPtr(): usize {
  return levels;
}
export function hnswUpperOffsetsPtr(): usize {
  return upperOff;
}
export function hnswPoolPtr(): usize {
  return pool;
}
export function hnswFlagsPtr(): usize {
  return flags;
}
export function hnswAllowPtr(): usize {
  return allow;
}
export function hnswQueryPtr(): usize {
  return defaultContext.query;
}
export function hnswOutIdsPtr(): usize {
  return defaultContext.outIds;
}
export function hnswOutDistsPtr(): usize {
  return defaultContext.outDists;
}
/** The ceiling linear memory may grow to, in 64 KiB pages (65536 unless a test lowered it). */
export function hnswMemoryLimitPages(): i32 {
  return memLimitPages;
}
/** Test hook: lowers the memory ceiling so CAPACITY paths can be exercised without 4 GiB of RAM. */
export function hnswSetMemoryLimitPages(pages: i32): void {
  setMemoryLimitPages(pages);
}

/**
 * Renumbers slots [base, count) in breadth-first order of the graph, for memory locality
 * (hnsw-reorder.ts). Returns ST_OK, after which hnswReorderMapPtr() holds count - base u32: the old
 * slot of each new slot from base on, until hnswReorderRelease(). In a transaction base >= txBase.
 */
export function hnswReorder(base: u32): i32 {
  return reorder(base);
}
export function hnswReorderMapPtr(): usize {
  return reorderMap();
}
export function hnswReorderRelease(): void {
  reorderRelease();
}

/**
 * count and deleteMany of an object filter: evaluates the program installed with filterUse for every
 * live committed slot, leaving 1 (passes) or 0 in its allow byte; returns how many pass.
 */
export function hnswFilterAll(): u32 {
  const limit = inTx ? txBase : count;
  let n: u32 = 0;
  for (let id: u32 = 0; id < limit; id++) {
    const ok = (flagsOf(id) & FLAG_DELETED) == 0 && filterMatches(id);
    store<u8>(allow + <usize>id, ok ? 1 : 0);
    if (ok) n++;
  }
  return n;
}
