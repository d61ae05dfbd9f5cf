// All-or-nothing inserts. Between txBegin and txCommit, the first time an insert is about to change the
// links of a node that existed before the transaction, that node's lists are copied to an undo log.
// txRollback copies them back and restores the counters and the RNG, which leaves the index
// bit-for-bit as it was: slots appended during the transaction are simply forgotten. Each node is
// logged at most once per transaction (an epoch stamp per slot), so the log is bounded by the size of
// the graph as it was, and is empty when a batch fills an empty index.
import {
  ST_CAPACITY, ST_OK, blockBytes, count, entry, levelOf, link0Bytes, link0Ptr, maxLevel, poolUsed, roomFor,
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
