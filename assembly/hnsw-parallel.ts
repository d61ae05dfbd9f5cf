// Parallel insert into ONE graph, as hnswlib does it: every thread (the owner's instance and the
// workers', all on one shared memory) claims the next row of a round with an atomic counter and links
// it with linkNodeLocked, which reads and changes each list under its node's lock (locks.ts). The
// entry point and top level live in the round's header, changed under a global lock that a node
// which will become the new top holds for its whole insert (hnswlib's addPoint).
//
// Everything that allocates happens on the owner before the threads start: the workers' contexts
// (hnswThreadReserve) and, in hnswParallelBegin, the rest: levels
// are drawn there in row order (so the level generator ends where a serial batch leaves it), the
// upper-layer blocks, the undo log (hnsw-tx.ts txReserveLog) and the rows' staging are reserved, and the
// new slots are placed with empty lists. A worker never allocates: the AssemblyScript runtime is not
// thread-safe. The transaction the facade opened covers the round: hnswTxRollback undoes it, whichever
// thread changed what. Results are not bit-identical to a serial build (threads interleave), only as
// good: bench section threads and test/hnsw-threads.test.ts measure recall against serial builds.
import { ELEMENT_F32, vectorBytes } from './element';
import {
  NONE, ST_CAPACITY, ST_INVALID, ST_OK, adoptState, cap, count, defaultContext, dim, drawLevel, entry,
  kind, levels, M, maxLevel, poolUsed, reservePool, rngState, roomFor, setCount, setEntry, setRngState, vecPtr,
} from './hnsw-store';
import { hnswThreadState, linkNodeLocked, placeNode, prepareVector } from './hnsw';
import { adoptTxState, txLogLen, txReserveLog, txSetLogLen, txShareLog } from './hnsw-tx';
import { LOCK_STRIPES, lockAt, unlockAt, useLockTable } from './locks';
import { SearchContext } from './search-context';

// @ts-ignore: decorator
@unmanaged class ParallelRound {
  /** The round's rows are slots first .. first + rows - 1. */
  first: u32;
  rows: u32;
  /** The next row to claim (atomic). */
  next: u32;
  /** 0, or the first negative status a thread met: the others stop at their next row. */
  failed: i32;
  /** The graph's entry point and top level while the round runs (under globalLock). */
  entry: u32;
  maxLevel: i32;
  globalLock: u32;
  /** The undo log's length, shared by the threads (hnsw-tx.ts txShareLog). */
  logLen: u32;
  /** Where row i's f32 vector is: staging + i·dim·4, or (0) its slot itself (f32, not stored). */
  staging: usize;
  /** A stored insert (compaction): the codes are in the slots, row i's norm at storedNorms + 4i; else 0. */
  storedNorms: usize;
  /** The node lock table: LOCK_STRIPES u32. */
  locks: usize;
  /** The owner's globals for the workers to adopt (hnsw-store.ts saveState). */
  state: usize;
}

let round: ParallelRound = changetype<ParallelRound>(0);
let stagingCap: usize = 0;

/**
 * Owner: sets up a round of `rows` new nodes after the open transaction's slots (reserved with
 * hnswReserve); `stored` (compaction) for codes and norms given as stored. Returns the round's header
 * pointer, or ST_CAPACITY / ST_INVALID having changed nothing. Then the facade writes row i's vector
 * at hnswParallelRowPtr(round, i) (and for `stored` its code at hnswVecPtr and norm at
 * hnswParallelNormPtr), and every thread runs hnswParallelInsert.
 */
export function hnswParallelBegin(rows: u32, stored: i32): isize {
  if (rows == 0 || <u64>count + <u64>rows > <u64>cap || entry == NONE && count != 0) return ST_INVALID;
  const f32Bytes = vectorBytes(dim);
  const staging: usize = stored != 0 ? <usize>rows << 2 : kind != ELEMENT_F32 ? <usize>rows * f32Bytes : 0;
  // Check before allocating: TLSF traps when memory cannot grow.
  const setUp = changetype<usize>(round) == 0 ? <u64>offsetof<ParallelRound>() + (<u64>LOCK_STRIPES << 2) : 0;
  if (!roomFor(setUp + (staging > stagingCap ? <u64>staging : 0))) return ST_CAPACITY;
  if (changetype<usize>(round) == 0) {
    round = changetype<ParallelRound>(heap.alloc(offsetof<ParallelRound>()));
    memory.fill(changetype<usize>(round), 0, offsetof<ParallelRound>());
    round.locks = heap.alloc(<usize>LOCK_STRIPES << 2);
  }
  if (staging > stagingCap) {
    if (round.staging != 0) heap.free(round.staging);
    round.staging = heap.alloc(staging);
    stagingCap = staging;
  }
  // The block the workers adopt the owner's state from (the facade saves it again after its last
  // allocation, hnsw-engine.ts prepareThreads).
  const state = hnswThreadState();
  if (state == 0) return ST_CAPACITY;
  // Levels in row order, from the same generator a serial batch draws from.
  const rngBefore = rngState;
  let levelSum: u64 = 0;
  for (let i: u32 = 0; i < rows; i++) {
    const level = drawLevel();
    store<u8>(levels + <usize>(count + i), <u8>level);
    levelSum += <u64>level;
  }
  if (reservePool(<u64>poolUsed + levelSum) != ST_OK || txReserveLog(rows, levelSum, M) != ST_OK) {
    setRngState(rngBefore);
    return ST_CAPACITY;
  }
  const first = count;
  for (let i: u32 = 0; i < rows; i++) placeNode(first + i, <i32>load<u8>(levels + <usize>(first + i)));
  setCount(first + rows);

  const r = round;
  r.first = first;
  r.rows = rows;
  r.next = 0;
  r.failed = 0;
  r.entry = entry;
  r.maxLevel = maxLevel;
  r.globalLock = 0;
  r.logLen = <u32>txLogLen();
  r.storedNorms = stored != 0 ? r.staging : 0;
  // A lock left held by a thread that trapped must not block the next round.
  memory.fill(r.locks, 0, <usize>LOCK_STRIPES << 2);
  r.state = state;
  return <isize>changetype<usize>(r);
}

/** Where the facade writes row i's f32 vector for a round that is not stored. */
export function hnswParallelRowPtr(r: ParallelRound, i: u32): usize {
  return kind != ELEMENT_F32 ? r.staging + <usize>i * vectorBytes(dim) : vecPtr(r.first + i);
}

/** Where the facade writes row i's stored norm for a stored round. */
export function hnswParallelNormPtr(r: ParallelRound, i: u32): usize {
  return r.staging + (<usize>i << 2);
}

/**
 * Every thread of a round (thread 0: the owner, on its own instance; t >= 1: worker t, which adopts
 * the owner's state first): inserts rows until none is left or a thread failed. Returns ST_OK or the
 * round's failure.
 */
export function hnswParallelInsert(thread: i32, r: ParallelRound): i32 {
  if (thread != 0) {
    adoptState(r.state, thread);
    adoptTxState(r.state);
  }
  useLockTable(r.locks);
  txShareLog(changetype<usize>(r) + offsetof<ParallelRound>('logLen'));
  const ctx = defaultContext;
  const stored = r.storedNorms != 0;
  const f32Bytes = vectorBytes(dim);
  if (ASC_FEATURE_THREADS) {
    const failedAt = changetype<usize>(r) + offsetof<ParallelRound>('failed');
    const nextAt = changetype<usize>(r) + offsetof<ParallelRound>('next');
    while (atomic.load<i32>(failedAt) == 0) {
      const i = atomic.add<u32>(nextAt, 1);
      if (i >= r.rows) break;
      const id = r.first + i;
      if (stored) prepareVector(id, 0, true, load<f32>(r.storedNorms + (<usize>i << 2)));
      else prepareVector(id, kind != ELEMENT_F32 ? r.staging + <usize>i * f32Bytes : vecPtr(id), false, 0);
      const st = insertLocked(ctx, r, id);
      if (st != ST_OK) atomic.cmpxchg<i32>(failedAt, 0, st);
    }
  }
  useLockTable(0);
  txShareLog(0);
  return r.failed;
}

/** Links `id` under the round's locks; the entry point changes under the global lock (see the top). */
function insertLocked(ctx: SearchContext, r: ParallelRound, id: u32): i32 {
  const level = <i32>load<u8>(levels + <usize>id);
  const global = changetype<usize>(r) + offsetof<ParallelRound>('globalLock');
  lockAt(global);
  const top = r.maxLevel;
  const ep = r.entry;
  const raises = level > top;
  if (!raises) unlockAt(global);
  if (ep == NONE) {
    r.entry = id;
    r.maxLevel = level;
    unlockAt(global);
    return ST_OK;
  }
  const st = linkNodeLocked(ctx, id, level, ep, top);
  if (raises) {
    if (st == ST_OK) {
      r.entry = id;
      r.maxLevel = level;
    }
    unlockAt(global);
  }
  return st;
}

/**
 * Owner, after every thread of the round returned: adopts the entry point and the log's length the
 * threads left. Returns the round's status (ST_OK, or the failure: then roll the transaction back).
 */
export function hnswParallelEnd(r: ParallelRound): i32 {
  setEntry(r.entry, r.maxLevel);
  txSetLogLen(<usize>r.logLen);
  return r.failed;
}
