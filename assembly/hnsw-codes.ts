// The index's codes seen from the facade: where it writes a vector to insert, decoding a code back to
// f32 (an index kept without its originals), exact rescoring of candidates with the f32 originals the
// facade keeps outside engine memory, and the check a loaded code must pass.
import { ELEMENT_F16, ELEMENT_F32, I8_HEADER_BYTES } from './element';
import { decodeF16 } from './kernels-f16';
import { decodeI8 } from './kernels-i8';
import { METRIC_COSINE, normalize } from './kernels';
import { ST_INVALID, cap, defaultContext, dim, f32Distance, kind, metric, stageBuf, vecPtr } from './hnsw-store';
import { distKey, keyDist, keyId, sortKeys } from './hnsw-heap';

/** The element kind the index was created with (element.ts). */
export function hnswKind(): i32 {
  return kind;
}

/** Where the facade writes the f32 vector to insert into slot `slot` (reserved): see stageBuf. */
export function hnswStagePtr(slot: u32): usize {
  if (slot >= cap) return 0;
  return kind == ELEMENT_F32 ? vecPtr(slot) : stageBuf;
}

/** Decodes slot `slot`'s code to `dim` f32 at `dst` (for f32, a copy). */
export function hnswDecode(slot: u32, dst: usize): void {
  const v = vecPtr(slot);
  if (kind == ELEMENT_F32) memory.copy(dst, v, <usize>dim << 2);
  else if (kind == ELEMENT_F16) decodeF16(v, dst, dim);
  else decodeI8(v, dst, dim);
}

/**
 * The exact rerank of `n` search results (u32 slots at `ids`, f32 distances at `dists`): each is
 * rescored with its f32 original (vector i at `vectors` + i·dim·4, as the index keeps originals: unit
 * length for cosine), and the best `k` are left at `ids`/`dists`, nearest first (ties: lower slot
 * first, as a search orders them). Returns how many. The query is the last search's (normalized
 * already) when `query` is 0, else the `dim` f32 at `query`, copied to the query scratch and
 * normalized for cosine. Needs n <= the context's reserved result room (a search of n results).
 */
export function hnswRerank(query: usize, vectors: usize, ids: usize, dists: usize, n: i32, k: i32): i32 {
  const ctx = defaultContext;
  if (n > ctx.resultCap) return ST_INVALID;
  const q = ctx.query;
  if (query != 0) {
    memory.copy(q, query, <usize>dim << 2);
    if (metric == METRIC_COSINE) normalize(q, dim);
  }
  const bytes = <usize>dim << 2;
  const keys = ctx.sortBuf;
  for (let i = 0; i < n; i++) {
    const d = f32Distance(q, vectors + <usize>i * bytes);
    store<u64>(keys + (<usize>i << 3), distKey(d, load<u32>(ids + (<usize>i << 2))));
  }
  sortKeys(keys, n);
  const m = n < k ? n : k;
  for (let i = 0; i < m; i++) {
    const key = load<u64>(keys + (<usize>i << 3));
    store<u32>(ids + (<usize>i << 2), keyId(key));
    store<f32>(dists + (<usize>i << 2), keyDist(key));
  }
  return m;
}

/** A loaded code is safe to measure: finite values (f32), no Inf or NaN halves, a sane i8 header. */
export function validCode(v: usize): bool {
  if (kind == ELEMENT_F32) {
    for (let j = 0; j < dim; j++) {
      const x = load<f32>(v + (<usize>j << 2));
      if (x - x != 0) return false;
    }
    return true;
  }
  if (kind == ELEMENT_F16) {
    for (let j = 0; j < dim; j++) if ((load<u16>(v + (<usize>j << 1)) & 0x7c00) == 0x7c00) return false;
    return true;
  }
  const scale = load<f32>(v), offset = load<f32>(v, 4), normSq = load<f32>(v, 12);
  const sum = load<i32>(v, 8);
  if (!(scale >= 0) || scale == Infinity || offset - offset != 0 || !(normSq >= 0) || normSq == Infinity) return false;
  // The code sum is what the dot product trusts: it must match the codes.
  let s: i32 = 0;
  const codes = v + <usize>I8_HEADER_BYTES;
  for (let j = 0; j < dim; j++) s += <i32>load<i8>(codes + <usize>j);
  return s == sum;
}
