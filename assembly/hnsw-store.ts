// Where the HNSW index lives in linear memory: configuration, per-slot arrays, the upper-layer pool,
// the default search context (search-context.ts), the level RNG, and the checked growth of all of
// them. Index state is module globals because each index owns a whole WASM instance; per-search
// scratch is not: it lives in a SearchContext.
//
// Layout (struct of arrays, fixed-size lists, so a snapshot is a straight copy):
// - vectors: one code per slot (element.ts: `dim` f32, f16, or an i8 header and codes); layer-0 lists: (1 + 2M) u32 per slot, [count, ids...]. These two are
//   the big ones, so they live in chunks of at most 64 MiB (one chunk covers 2^chunkShift slots):
//   TLSF cannot hand out a block past 1 GiB, and growing by appending a chunk copies nothing.
// - per slot: norm f32, level u8, upper-pool offset u32, flags u8 (deleted / replaced), filter memo
//   u8, undo stamp u32, and the default context's visited epoch u16 and candidate-heap entry u64.
// - upper layers: a pool of blocks of (1 + M) u32; a node of level L owns L consecutive blocks
//   starting at its offset, block i holding its list at layer i + 1.
import { ELEMENT_F16, ELEMENT_F32, ELEMENT_I8, codeBytes, vectorBytes } from './element';
import { MAX_LEVEL } from './limits';
import { SearchContext } from './search-context';
import { METRIC_EUCLIDEAN, dotInline, l2sqInline } from './kernels';
import { dotF16Inline, encodeF16, l2sqF16Inline } from './kernels-f16';
import { dotI8Inline, encodeI8, l2sqI8Inline } from './kernels-i8';

export const ST_OK: i32 = 0;
export const ST_CAPACITY: i32 = -1;
export const ST_INVALID: i32 = -2;
export const ST_CORRUPT: i32 = -3;

export const NONE: u32 = 0xffffffff;
// MAX_LEVEL: assembly/limits.ts
export const FLAG_DELETED: u8 = 1;
/** Set while a transaction is replacing the slot's key: kept out of new links, still returned by searches. */
export const FLAG_REPLACED: u8 = 2;

const CHUNK_BYTES: usize = 64 << 20;
// TLSF's largest block is 1 GiB minus its header; stay clearly below it.
const MAX_BLOCK: u64 = (1 << 30) - 4096;
// Headroom for TLSF's own headers and rounding when it grows memory.
const SLACK: u64 = 1 << 20;

/** Linear memory may not grow past this many 64 KiB pages (wasm32: 4 GiB). Lowered only by tests. */
export let memLimitPages: i32 = 65536;

// Configuration, fixed at init.
export let dim: i32 = 0;
export let metric: i32 = 0;
export let M: i32 = 0;
export let M0: i32 = 0;
export let efConstruction: i32 = 0;
export let levelMult: f64 = 0;
/** The element kind of the stored codes (element.ts), fixed at init. */
export let kind: i32 = ELEMENT_F32;
/** Bytes of one stored code. */
export let vecBytes: usize = 0;
/**
 * Where the facade writes a vector to insert (f32): the slot itself for f32, else this buffer, which
 * insertNode normalizes (cosine) and encodes into the slot.
 */
export let stageBuf: usize = 0;
export let link0Bytes: usize = 0;
export let blockBytes: usize = 0;

// Slots: `count` used, `cap` available in the chunked arrays, `flatCap` (>= cap) in the flat ones.
export let count: u32 = 0;
export let cap: u32 = 0;
let flatCap: u32 = 0;
export let chunkShift: u32 = 0;
export let chunkMask: u32 = 0;
let chunkTableCap: u32 = 0;
export let vecChunks: usize = 0;
export let link0Chunks: usize = 0;

export let norms: usize = 0;
export let levels: usize = 0;
export let upperOff: usize = 0;
export let flags: usize = 0;
export let allow: usize = 0;
export let stamps: usize = 0;

// Graph.
export let entry: u32 = NONE;
export let maxLevel: i32 = -1;
export let pool: usize = 0;
export let poolUsed: u32 = 0;
let poolCap: u32 = 0;
export let deletedCount: u32 = 0;
export let rngState: u64 = 0;

/**
 * The search context of every call today (inserts, searches, reorder), created by hnswInit. Its
 * per-slot arrays grow with the slots (reserveSlots); a second context would be grown there too.
 */
export let defaultContext: SearchContext = changetype<SearchContext>(0);

// @ts-ignore: decorator
@inline export function vecPtr(id: u32): usize {
  return <usize>load<u32>(vecChunks + (<usize>(id >> chunkShift) << 2)) + <usize>(id & chunkMask) * vecBytes;
}

// @ts-ignore: decorator
@inline export function link0Ptr(id: u32): usize {
  return <usize>load<u32>(link0Chunks + (<usize>(id >> chunkShift) << 2)) + <usize>(id & chunkMask) * link0Bytes;
}

/** The list of `id` at `layer` >= 1; the node must have a level >= layer. */
// @ts-ignore: decorator
@inline export function upperPtr(id: u32, layer: i32): usize {
  return pool + <usize>(load<u32>(upperOff + (<usize>id << 2)) + <u32>(layer - 1)) * blockBytes;
}

// @ts-ignore: decorator
@inline export function listPtr(id: u32, layer: i32): usize {
  return layer == 0 ? link0Ptr(id) : upperPtr(id, layer);
}

// @ts-ignore: decorator
@inline export function levelOf(id: u32): i32 {
  return <i32>load<u8>(levels + <usize>id);
}

// @ts-ignore: decorator
@inline export function flagsOf(id: u32): u8 {
  return load<u8>(flags + <usize>id);
}

/**
 * The metric's distance between two codes, lower is nearer: squared L2, or 1 - dot (cosine runs on
 * unit vectors). The kind is the same every call, so its branch predicts perfectly.
 */
// @ts-ignore: decorator
@inline export function distance(a: usize, b: usize): f32 {
  if (kind == ELEMENT_F32) return f32Distance(a, b);
  return codeDistance(a, b);
}

/** distance() for the quantized kinds: a call, so the f32 path inlined at every site stays as small as before. */
function codeDistance(a: usize, b: usize): f32 {
  if (kind == ELEMENT_I8) {
    if (metric == METRIC_EUCLIDEAN) return l2sqI8Inline(a, b, dim);
    return <f32>1 - dotI8Inline(a, b, dim);
  }
  if (metric == METRIC_EUCLIDEAN) return l2sqF16Inline(a, b, dim);
  return <f32>1 - dotF16Inline(a, b, dim);
}

/** distance() for two f32 vectors whatever the kind: exact rescoring with the originals. */
// @ts-ignore: decorator
@inline export function f32Distance(a: usize, b: usize): f32 {
  if (metric == METRIC_EUCLIDEAN) return l2sqInline(a, b, dim);
  return <f32>1 - dotInline(a, b, dim);
}

/** Encodes the f32 vector at `src` as a code of this index's kind at `dst` (not for f32). */
export function encodeCode(src: usize, dst: usize): void {
  if (kind == ELEMENT_I8) encodeI8(src, dst, dim);
  else if (kind == ELEMENT_F16) encodeF16(src, dst, dim);
}

/** The slots a context's per-slot arrays cover (for clearing its visited epochs). */
export function contextSlots(): u32 {
  return flatCap;
}

/** True if `bytes` more could be allocated without memory.grow failing (which would trap TLSF). */
export function roomFor(bytes: u64): bool {
  return (<u64>memory.size() << 16) + bytes + SLACK <= (<u64>memLimitPages << 16);
}

export function setMemoryLimitPages(pages: i32): void {
  memLimitPages = pages < 1 ? 1 : pages > 65536 ? 65536 : pages;
}

function grow(ptr: usize, oldBytes: usize, newBytes: usize): usize {
  const p = ptr == 0 ? heap.alloc(newBytes) : heap.realloc(ptr, newBytes);
  memory.fill(p + oldBytes, 0, newBytes - oldBytes);
  return p;
}

const FLAT_BYTES_PER_SLOT: u64 = 4 + 1 + 4 + 1 + 1 + 2 + 4 + 8;

export function configure(d: i32, m: i32, mm: i32, efc: i32, seedLo: u32, seedHi: u32, k: i32): void {
  dim = d;
  kind = k;
  metric = m;
  M = mm;
  M0 = 2 * mm;
  efConstruction = efc;
  levelMult = 1.0 / Math.log(<f64>mm);
  vecBytes = codeBytes(k, d);
  link0Bytes = <usize>(1 + M0) << 2;
  blockBytes = <usize>(1 + mm) << 2;
  const largest = vecBytes > link0Bytes ? vecBytes : link0Bytes;
  let shift: u32 = 0;
  while (shift < 24 && (largest << (shift + 1)) <= CHUNK_BYTES) shift++;
  chunkShift = shift;
  chunkMask = (<u32>1 << shift) - 1;
  rngState = (<u64>seedHi << 32) | <u64>seedLo;
}

/** Makes room for `need` slots in total. Returns ST_OK or ST_CAPACITY, having changed nothing on failure. */
export function reserveSlots(need: u64): i32 {
  if (need <= <u64>cap) return ST_OK;
  if (need >= <u64>NONE) return ST_CAPACITY;
  const full: u64 = <u64>1 << chunkShift;
  let newCap: u64;
  if (need <= full) {
    newCap = max(need, max(<u64>cap << 1, 64));
    if (newCap > full) newCap = full;
  } else {
    newCap = (need + full - 1) & ~(full - 1);
  }
  const newFlat: u64 = newCap > <u64>flatCap ? max(newCap, <u64>flatCap << 1) : <u64>flatCap;
  const chunksNeeded: u64 = (newCap + full - 1) >> chunkShift;

  // Check everything before allocating anything.
  if ((newFlat + 1) * 8 > MAX_BLOCK || chunksNeeded * 8 > MAX_BLOCK) return ST_CAPACITY;
  const chunkBytes: u64 = (newCap - <u64>cap) * <u64>(vecBytes + link0Bytes);
  // Each worker thread's context has a visited epoch (u16) and a heap entry (u64) per slot too.
  const perSlot: u64 = FLAT_BYTES_PER_SLOT + <u64>threadContextCount * 10;
  const flatBytes: u64 = newFlat > <u64>flatCap ? newFlat * perSlot + 8 * (1 + <u64>threadContextCount) : 0;
  if (!roomFor(chunkBytes + flatBytes + chunksNeeded * 8)) return ST_CAPACITY;

  if (chunksNeeded > <u64>chunkTableCap) {
    const n = <u32>max(chunksNeeded, <u64>chunkTableCap << 1);
    vecChunks = grow(vecChunks, <usize>chunkTableCap << 2, <usize>n << 2);
    link0Chunks = grow(link0Chunks, <usize>chunkTableCap << 2, <usize>n << 2);
    chunkTableCap = n;
  }
  // Chunk 0 grows in place (small indexes never pay for a whole chunk); later chunks are whole.
  const cap0: u64 = min(<u64>cap, full);
  const newCap0: u64 = min(newCap, full);
  if (newCap0 > cap0) {
    store<u32>(vecChunks, grow(load<u32>(vecChunks), <usize>cap0 * vecBytes, <usize>newCap0 * vecBytes));
    store<u32>(link0Chunks, grow(load<u32>(link0Chunks), <usize>cap0 * link0Bytes, <usize>newCap0 * link0Bytes));
  }
  const haveChunks: u64 = cap == 0 ? 0 : (<u64>cap + full - 1) >> chunkShift;
  for (let c: u64 = max(haveChunks, 1); c < chunksNeeded; c++) {
    store<u32>(vecChunks + (<usize>c << 2), grow(0, 0, <usize>full * vecBytes));
    store<u32>(link0Chunks + (<usize>c << 2), grow(0, 0, <usize>full * link0Bytes));
  }
  cap = <u32>newCap;

  if (newFlat > <u64>flatCap) {
    const o = <usize>flatCap;
    const n = <usize>newFlat;
    norms = grow(norms, o << 2, n << 2);
    levels = grow(levels, o, n);
    upperOff = grow(upperOff, o << 2, n << 2);
    flags = grow(flags, o, n);
    allow = grow(allow, o, n);
    stamps = grow(stamps, o << 2, n << 2);
    growContextSlots(defaultContext, o, n);
    for (let t = 1; t <= threadContextCount; t++) {
      growContextSlots(changetype<SearchContext>(<usize>load<u32>(threadContexts + (<usize>t << 2))), o, n);
    }
    flatCap = <u32>newFlat;
  }
  return ST_OK;
}

/** Makes room for `need` upper-layer blocks in total. */
export function reservePool(need: u64): i32 {
  if (need <= <u64>poolCap) return ST_OK;
  const n: u64 = max(need, max(<u64>poolCap << 1, 64));
  const bytes: u64 = n * <u64>blockBytes;
  if (n >= <u64>NONE || bytes > MAX_BLOCK || !roomFor(bytes)) return ST_CAPACITY;
  pool = grow(pool, <usize>poolCap * blockBytes, <usize>bytes);
  poolCap = <u32>n;
  return ST_OK;
}

/**
 * Creates the default search context (once, at init, before any slot exists): the context object and
 * its fixed-size buffers; per-slot arrays come with reserveSlots, result room with reserveResults.
 */
export function createDefaultContext(): i32 {
  const quantized = kind != ELEMENT_F32;
  if (quantized && !roomFor(<u64>vectorBytes(dim) + 16)) return ST_CAPACITY;
  const ctx = newContext();
  if (ctx == null) return ST_CAPACITY;
  if (quantized) stageBuf = heap.alloc(vectorBytes(dim) + 16);
  defaultContext = ctx;
  return ST_OK;
}

/** A context with its fixed-size buffers (per-slot arrays: none yet), or null if memory is short. */
function newContext(): SearchContext | null {
  const f32Bytes = vectorBytes(dim);
  const quantized = kind != ELEMENT_F32;
  const codeRoom: u64 = quantized ? <u64>vecBytes + 16 : 0;
  const bytes: u64 = <u64>offsetof<SearchContext>() + (<u64>f32Bytes + 16) + codeRoom + (<u64>M0 + 2) * 8 + (<u64>M0 + M + 2) * 8;
  if (!roomFor(bytes)) return null;
  const ctx = changetype<SearchContext>(heap.alloc(offsetof<SearchContext>()));
  memory.fill(changetype<usize>(ctx), 0, offsetof<SearchContext>());
  ctx.query = heap.alloc(f32Bytes + 16);
  ctx.queryCode = quantized ? heap.alloc(vecBytes + 16) : ctx.query;
  ctx.nbrBuf = heap.alloc(<usize>(M0 + M + 2) << 3);
  ctx.batchBuf = heap.alloc(<usize>(M0 + 2) << 3);
  return ctx;
}

/** Most worker threads an index has contexts for (threads.ts). */
export const MAX_THREADS: i32 = 256;
/** u32 table of the worker threads' contexts, grown with the slots as the default one is. */
let threadContexts: usize = 0;
let threadContextCount: i32 = 0;

/**
 * The search context of worker thread `t` (1-based: thread 0 is the owner, with defaultContext),
 * created with per-slot arrays for every slot reserved so far and result room for efConstruction, the
 * first time it is asked for. Owner only (it allocates). Returns 0 if memory is short.
 */
export function threadContext(t: i32): usize {
  if (t < 1 || t >= MAX_THREADS) return 0;
  if (threadContexts == 0) threadContexts = grow(0, 0, <usize>MAX_THREADS << 2);
  while (threadContextCount < t) {
    const perSlot: u64 = (<u64>flatCap << 1) + ((<u64>flatCap + 1) << 3);
    if (!roomFor(perSlot)) return 0;
    const ctx = newContext();
    if (ctx == null) return 0;
    ctx.visited = grow(0, 0, <usize>flatCap << 1);
    ctx.candHeap = grow(0, 0, (<usize>flatCap + 1) << 3);
    if (reserveResults(ctx, efConstruction) != ST_OK) return 0;
    threadContextCount++;
    store<u32>(threadContexts + (<usize>threadContextCount << 2), changetype<u32>(ctx));
  }
  return <usize>load<u32>(threadContexts + (<usize>t << 2));
}

/** Grows a context's per-slot arrays from `o` to `n` slots. */
function growContextSlots(ctx: SearchContext, o: usize, n: usize): void {
  ctx.visited = grow(ctx.visited, o << 1, n << 1);
  ctx.candHeap = grow(ctx.candHeap, (o + 1) << 3, (n + 1) << 3);
}

/** Makes `ctx`'s result arrays big enough for a result heap of `ef` entries. */
export function reserveResults(ctx: SearchContext, ef: i32): i32 {
  const cap = ctx.resultCap;
  if (ef <= cap) return ST_OK;
  const n: u64 = max(<u64>ef, <u64>cap << 1);
  // top heap and sort buffer: u64 each; outputs: u32 ids and f32 distances.
  const bytes: u64 = (n + 2) * 24;
  if ((n + 2) * 8 > MAX_BLOCK || !roomFor(bytes)) return ST_CAPACITY;
  const o = <usize>cap + 2;
  const m = <usize>n + 2;
  ctx.topHeap = grow(ctx.topHeap, cap == 0 ? 0 : o << 3, m << 3);
  ctx.sortBuf = grow(ctx.sortBuf, cap == 0 ? 0 : o << 3, m << 3);
  ctx.outIds = grow(ctx.outIds, cap == 0 ? 0 : o << 2, m << 2);
  ctx.outDists = grow(ctx.outDists, cap == 0 ? 0 : o << 2, m << 2);
  ctx.resultCap = <i32>n;
  return ST_OK;
}

/** Draws a node level: floor(-ln(u) · mL) with u uniform in (0, 1], from a splitmix64 stream. */
export function drawLevel(): i32 {
  rngState += 0x9e3779b97f4a7c15;
  let z = rngState;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  z ^= z >> 31;
  const u = (<f64>(z >> 11) + 1.0) * 1.1102230246251565e-16; // 2^-53
  const level = <i32>Math.floor(-Math.log(u) * levelMult);
  return level > MAX_LEVEL ? MAX_LEVEL : level;
}

// Setters for the graph scalars, which hnsw.ts and hnsw-tx.ts change.
export function setCount(n: u32): void {
  count = n;
}
export function setEntry(ep: u32, level: i32): void {
  entry = ep;
  maxLevel = level;
}
export function setPoolUsed(n: u32): void {
  poolUsed = n;
}
export function setDeletedCount(n: u32): void {
  deletedCount = n;
}
export function setRngState(s: u64): void {
  rngState = s;
}

// ---------------------------------------------------------------------------------------------------
// Worker threads (threads.ts). A worker's instance shares this memory but has globals of its own, all
// zero: before each parallel job it adopts the owner's, saved here into a block the owner allocated.
// Only what a job reads is saved; a worker never allocates, so nothing it adopts can go stale mid-job.

/** Bytes of the block saveState writes. */
export const STATE_BYTES: usize = 256;

export function saveState(p: usize): void {
  store<i32>(p, dim, 0);
  store<i32>(p, metric, 4);
  store<i32>(p, M, 8);
  store<i32>(p, M0, 12);
  store<i32>(p, efConstruction, 16);
  store<i32>(p, kind, 20);
  store<f64>(p, levelMult, 24);
  store<u32>(p, <u32>vecBytes, 32);
  store<u32>(p, <u32>link0Bytes, 36);
  store<u32>(p, <u32>blockBytes, 40);
  store<u32>(p, count, 44);
  store<u32>(p, cap, 48);
  store<u32>(p, flatCap, 52);
  store<u32>(p, chunkShift, 56);
  store<u32>(p, chunkMask, 60);
  store<u32>(p, <u32>vecChunks, 64);
  store<u32>(p, <u32>link0Chunks, 68);
  store<u32>(p, <u32>norms, 72);
  store<u32>(p, <u32>levels, 76);
  store<u32>(p, <u32>upperOff, 80);
  store<u32>(p, <u32>flags, 84);
  store<u32>(p, <u32>allow, 88);
  store<u32>(p, <u32>stamps, 92);
  store<u32>(p, entry, 96);
  store<i32>(p, maxLevel, 100);
  store<u32>(p, <u32>pool, 104);
  store<u32>(p, poolUsed, 108);
  store<u32>(p, deletedCount, 112);
  store<i32>(p, memLimitPages, 116);
  store<u32>(p, <u32>threadContexts, 120);
  // 128..148: hnsw-tx.ts saveTxState; 160..180: filter-eval.ts saveFilterState; 184..192: hnsw.ts hnswThreadState
}

/** A worker's side of saveState: the owner's globals, and thread `t`'s own context as its default. */
export function adoptState(p: usize, t: i32): void {
  dim = load<i32>(p, 0);
  metric = load<i32>(p, 4);
  M = load<i32>(p, 8);
  M0 = load<i32>(p, 12);
  efConstruction = load<i32>(p, 16);
  kind = load<i32>(p, 20);
  levelMult = load<f64>(p, 24);
  vecBytes = <usize>load<u32>(p, 32);
  link0Bytes = <usize>load<u32>(p, 36);
  blockBytes = <usize>load<u32>(p, 40);
  count = load<u32>(p, 44);
  cap = load<u32>(p, 48);
  flatCap = load<u32>(p, 52);
  chunkShift = load<u32>(p, 56);
  chunkMask = load<u32>(p, 60);
  vecChunks = <usize>load<u32>(p, 64);
  link0Chunks = <usize>load<u32>(p, 68);
  norms = <usize>load<u32>(p, 72);
  levels = <usize>load<u32>(p, 76);
  upperOff = <usize>load<u32>(p, 80);
  flags = <usize>load<u32>(p, 84);
  allow = <usize>load<u32>(p, 88);
  stamps = <usize>load<u32>(p, 92);
  entry = load<u32>(p, 96);
  maxLevel = load<i32>(p, 100);
  pool = <usize>load<u32>(p, 104);
  poolUsed = load<u32>(p, 108);
  deletedCount = load<u32>(p, 112);
  memLimitPages = load<i32>(p, 116);
  threadContexts = <usize>load<u32>(p, 120);
  defaultContext = changetype<SearchContext>(<usize>load<u32>(threadContexts + (<usize>t << 2)));
}
