// Locks for a parallel insert (hnsw-parallel.ts), in shared memory: one u32 each, Drepper's futex
// mutex ("Futexes Are Tricky", mutex2): 0 free, 1 held, 2 held with waiters. Node locks are striped:
// node id → one of LOCK_STRIPES words, so the table has a fixed size (nothing grows with the slots) and
// two nodes that share a stripe merely exclude each other. A holder never takes a second node lock, so
// there is no lock order to get wrong; the global lock (entry point) may be held while node locks are
// taken, never the other way round.
//
// The slow path waits through an import (env.futexWait: JS Atomics.wait), not memory.atomic.wait32:
// Node 20's baseline compiler stalls that instruction (docs/threads-spike.md section 3). Where a thread
// may not block (a browser's main thread), the import returns at once and the lock spins.
// In the builds without threads the functions are empty: nothing calls them there.

// @ts-ignore: decorator
@external("env", "futexWait")
declare function futexWait(ptr: usize, expected: i32): void;

export const LOCK_STRIPES: u32 = 1 << 16;
const SPINS = 100;

/** The lock word of node `id` in a table of LOCK_STRIPES words. */
// @ts-ignore: decorator
@inline export function nodeLock(table: usize, id: u32): usize {
  return table + (<usize>(id & (LOCK_STRIPES - 1)) << 2);
}

export function lockAt(p: usize): void {
  if (ASC_FEATURE_THREADS) {
    let c = atomic.cmpxchg<u32>(p, 0, 1);
    if (c == 0) return;
    // Critical sections are a list copy or a re-selection (microseconds): spin a little first.
    for (let i = 0; i < SPINS; i++) {
      if (atomic.load<u32>(p) == 0) {
        c = atomic.cmpxchg<u32>(p, 0, 1);
        if (c == 0) return;
      }
    }
    if (c != 2) c = atomic.xchg<u32>(p, 2);
    while (c != 0) {
      futexWait(p, 2);
      c = atomic.xchg<u32>(p, 2);
    }
  }
}

export function unlockAt(p: usize): void {
  if (ASC_FEATURE_THREADS) {
    if (atomic.sub<u32>(p, 1) != 1) {
      atomic.store<u32>(p, 0);
      atomic.notify(p, 1);
    }
  }
}

/** This thread's node lock table (LOCK_STRIPES words) during a parallel insert; 0 otherwise. */
export let lockTable: usize = 0;

export function useLockTable(table: usize): void {
  lockTable = table;
}
