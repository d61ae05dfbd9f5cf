// All-or-nothing inserts. Between txBegin and txCommit, the first time an insert is about to change the
// links of a node that existed before the transaction, that node's lists are copied to an undo log.
// txRollback copies them back and restores the counters and the RNG, which leaves the index
// bit-for-bit as it was: slots appended during the transaction are simply forgotten. Each node is
// logged at most once per transaction (an epoch stamp per slot), so the log is bounded by the size of
// the graph as it was, and is empty when a batch fills an empty index.
import {
  ST_CAPACITY, ST_INVALID, ST_OK, blockBytes, count, entry, levelOf, link0Bytes, link0Ptr, maxLevel, poolUsed, roomFor,
  rngState, setCount, setEntry, setPoolUsed, setRngState, stamps, upperPtr,
} from './hnsw-store';

export let inTx = false;
/** Slots below this existed before the transaction; it is also the limit of what searches return. */
export let txBase: u32 = 0;
let txEpoch: u32 = 0;
let savedEntry: u32 = 0;
let savedMaxLevel: i32 = 0;
let savedPoolUsed: u32 = 0;
let savedRng: u64 = 0;

let log: usize = 0;
let logCap: usize = 0;
let logLen: usize = 0;
/**
 * During a parallel insert (hnsw-parallel.ts): the u32 in shared memory that holds the log's length
 * for every thread at once, instead of logLen; 0 otherwise. The log cannot grow then (a worker never
 * allocates): the owner sized it beforehand (txReserveLog).
 */
let sharedLen: usize = 0;

export function txBegin(): void {
  txEpoch++;
  if (txEpoch == 0) {
    // Wrapped after 2^32 transactions: old stamps could collide, so clear them once.
    memory.fill(stamps, 0, <usize>count << 2);
    txEpoch = 1;
  }
  txBase = count;
  savedEntry = entry;
  savedMaxLevel = maxLevel;
  savedPoolUsed = poolUsed;
  savedRng = rngState;
  logLen = 0;
  inTx = true;
}

export function txCommit(): void {
  inTx = false;
  logLen = 0;
  // A huge batch into a big index may have grown the log; do not keep that memory forever.
  if (logCap > (16 << 20)) {
    heap.free(log);
    log = 0;
    logCap = 0;
  }
}

export function txRollback(): void {
  if (!inTx) return;
  let p: usize = 0;
  while (p < logLen) {
    const id = load<u32>(log + p);
    p += 4;
    memory.copy(link0Ptr(id), log + p, link0Bytes);
    p += link0Bytes;
    const level = levelOf(id);
    if (level > 0) {
      const bytes = <usize>level * blockBytes;
      memory.copy(upperPtr(id, 1), log + p, bytes);
      p += bytes;
    }
  }
  setCount(txBase);
  setEntry(savedEntry, savedMaxLevel);
  setPoolUsed(savedPoolUsed);
  setRngState(savedRng);
  inTx = false;
  logLen = 0;
}

/**
 * Logs the lists of `id` before they change. Returns ST_OK, or ST_CAPACITY if the log cannot grow
 * (nothing about `id` has changed yet then, and the caller rolls the transaction back).
 */
export function txSaveNode(id: u32): i32 {
  if (!inTx || id >= txBase) return ST_OK;
  const stamp = stamps + (<usize>id << 2);
  if (load<u32>(stamp) == txEpoch) return ST_OK;
  const level = levelOf(id);
  const upperBytes = <usize>level * blockBytes;
  const need = logLen + 4 + link0Bytes + upperBytes;
  if (need > logCap) {
    const n: usize = max(need, max(logCap << 1, 4096));
    if (<u64>n > (1 << 30) - 4096 || !roomFor(<u64>n)) return ST_CAPACITY;
    log = log == 0 ? heap.alloc(n) : heap.realloc(log, n);
    logCap = n;
  }
  store<u32>(log + logLen, id);
  memory.copy(log + logLen + 4, link0Ptr(id), link0Bytes);
  if (level > 0) memory.copy(log + logLen + 4 + link0Bytes, upperPtr(id, 1), upperBytes);
  logLen = need;
  store<u32>(stamp, txEpoch);
  return ST_OK;
}

/**
 * txSaveNode in a parallel insert (txShareLog): the caller holds `id`'s lock (locks.ts), so its stamp
 * and lists are its own; the log's room is claimed with a compare-and-swap on the shared length, never
 * past the capacity the owner reserved (the length stays the end of complete entries, for txRollback).
 * It never allocates: a worker thread runs it (scripts/build-wasm.mjs checks that).
 */
export function txSaveNodeShared(id: u32): i32 {
  if (!inTx || id >= txBase) return ST_OK;
  const stamp = stamps + (<usize>id << 2);
  if (load<u32>(stamp) == txEpoch) return ST_OK;
  const level = levelOf(id);
  const bytes: usize = 4 + link0Bytes + <usize>level * blockBytes;
  let at: usize = 0;
  if (ASC_FEATURE_THREADS) {
    while (true) {
      at = <usize>atomic.load<u32>(sharedLen);
      if (at + bytes > logCap) return ST_CAPACITY;
      if (<usize>atomic.cmpxchg<u32>(sharedLen, <u32>at, <u32>(at + bytes)) == at) break;
    }
  }
  store<u32>(log + at, id);
  memory.copy(log + at + 4, link0Ptr(id), link0Bytes);
  if (level > 0) memory.copy(log + at + 4 + link0Bytes, upperPtr(id, 1), <usize>level * blockBytes);
  store<u32>(stamp, txEpoch);
  return ST_OK;
}

/**
 * Owner, before a parallel insert of `rows` new nodes whose levels add up to `levelSum`: makes the log
 * big enough for every node those inserts may change (each changes at most M lists per layer it is on,
 * of nodes from before the transaction, each logged once with its upper blocks). ST_CAPACITY if it
 * cannot (nothing changed): the facade then inserts the round's rows one by one (insert-transaction.ts).
 */
export function txReserveLog(rows: u32, levelSum: u64, m: i32): i32 {
  if (!inTx) return ST_INVALID;
  let nodes: u64 = (<u64>rows + levelSum) * <u64>m;
  if (nodes > <u64>txBase) nodes = <u64>txBase;
  // The nodes from before the transaction own savedPoolUsed upper blocks in all.
  const need: u64 = <u64>logLen + nodes * <u64>(4 + link0Bytes) + <u64>savedPoolUsed * <u64>blockBytes;
  if (need <= <u64>logCap) return ST_OK;
  if (need > (1 << 30) - 4096 || !roomFor(need)) return ST_CAPACITY;
  log = log == 0 ? heap.alloc(<usize>need) : heap.realloc(log, <usize>need);
  logCap = <usize>need;
  return ST_OK;
}

/** Starts (lenPtr != 0: a u32 holding logLen, which the owner set) or ends (0) a thread's parallel logging. */
export function txShareLog(lenPtr: usize): void {
  sharedLen = lenPtr;
}

/** Owner, after a parallel insert: the log's length as the threads left it. */
export function txSetLogLen(len: usize): void {
  logLen = len;
}

export function txLogLen(): usize {
  return logLen;
}

/** hnsw-store.ts saveState's block, from byte 128: the transaction a worker's inserts log into. */
export function saveTxState(p: usize): void {
  store<u8>(p, inTx ? 1 : 0, 128);
  store<u32>(p, txBase, 132);
  store<u32>(p, txEpoch, 136);
  store<u32>(p, <u32>log, 140);
  store<u32>(p, <u32>logCap, 144);
}

export function adoptTxState(p: usize): void {
  inTx = load<u8>(p, 128) != 0;
  txBase = load<u32>(p, 132);
  txEpoch = load<u32>(p, 136);
  log = <usize>load<u32>(p, 140);
  logCap = <usize>load<u32>(p, 144);
}
