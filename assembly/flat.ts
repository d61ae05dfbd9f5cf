// Exact cosine scans for the file-backed store. Stored vectors are raw (the store returns them as
// given), so each vector's norm is computed in the same pass as its dot product. A vector is skipped
// when its bit is set in the deletion bitmap (the authority on deletes) or when it is all zeros.

import { codeBytes, ELEMENT_F16, ELEMENT_F32, ELEMENT_I8, I8_HEADER_BYTES, vectorBytes } from './element';
import { dotAndNormSqInline, lastNormSq } from './kernels';
import { dotAndNormSqF32F16Inline, encodeF16 } from './kernels-f16';
import { encodeI8, normSqI8, reconstructedDot } from './kernels-i8';
import { defaultTopK, topkPush, topkUse } from './topk';

// @ts-ignore: decorator
@inline function isDeleted(bits: usize, id: u32): bool {
  return bits != 0 && (load<u8>(bits + (id >> 3)) & (<u8>1 << <u8>(id & 7))) != 0;
}

/** Vectors at `block` have ids baseId, baseId + 1, ...; `deletedBits` is 0 or a bitmap indexed by id. */
export function flatScanCosine(
  query: usize, queryNorm: f32, block: usize, count: i32, dim: i32, baseId: u32, deletedBits: usize,
): void {
  const stride = vectorBytes(dim);
  const top = defaultTopK;
  for (let i = 0; i < count; i++) {
    const id = baseId + <u32>i;
    if (isDeleted(deletedBits, id)) continue;
    const ab = dotAndNormSqInline(query, block + <usize>i * stride, dim);
    const nb = lastNormSq;
    if (nb == 0) continue;
    topkPush(top, id, ab / (queryNorm * Mathf.sqrt(nb)));
  }
}

/** As flatScanCosine, but vector i of the block has id `ids[i]` (a u32 array). */
export function flatScanCosineIds(
  query: usize, queryNorm: f32, block: usize, ids: usize, count: i32, dim: i32, deletedBits: usize,
): void {
  const stride = vectorBytes(dim);
  const top = defaultTopK;
  for (let i = 0; i < count; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    if (isDeleted(deletedBits, id)) continue;
    const ab = dotAndNormSqInline(query, block + <usize>i * stride, dim);
    const nb = lastNormSq;
    if (nb == 0) continue;
    topkPush(top, id, ab / (queryNorm * Mathf.sqrt(nb)));
  }
}


// ---------------------------------------------------------------- quantized stores (f16, i8)
// A quantized store scans codes (element.ts) to pick candidates, which the facade then rescores
// exactly with flatScanCosineIds over the f32 originals. Only the ORDER of these scores matters, so the
// query's norm (a positive constant factor) is left out: score = q·x / |x|. The i8 query is itself an
// i8 code (kernels-i8.ts: one integer dot per row), the f16 scan takes the f32 query as is. A row whose
// code has no norm left (a vector too small for f16's range) scores 0 rather than being skipped: it is
// live (deletes are the bitmap's), so it must still be able to reach the exact rescoring.

/**
 * Σ qa·qb over `dim` i8 codes, for the scan: the query's codes come widened to i16 once per query
 * (queryCodeI8 puts them after its code), so each 16 bytes of a row cost one load, two widenings and
 * two dot_i16x8_s; the general kernel (kernels-i8.ts, two codes) widens both sides every time.
 */
// @ts-ignore: decorator
@inline function scanCodeDotI8(q16: usize, x: usize, dim: i32): i32 {
  let s: i32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = i32x4.splat(0);
    let acc1 = i32x4.splat(0);
    let acc2 = i32x4.splat(0);
    let acc3 = i32x4.splat(0);
    const n32 = dim & ~31;
    for (; i < n32; i += 32) {
      const xa = v128.load(x + <usize>i);
      const xb = v128.load(x + <usize>i, 16);
      const qa = q16 + (<usize>i << 1);
      acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(xa), v128.load(qa)));
      acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(xa), v128.load(qa, 16)));
      acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(xb), v128.load(qa, 32)));
      acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(xb), v128.load(qa, 48)));
    }
    const acc = i32x4.add(i32x4.add(acc0, acc1), i32x4.add(acc2, acc3));
    s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  }
  for (; i < dim; i++) s += <i32>load<i16>(q16 + (<usize>i << 1)) * <i32>load<i8>(x + <usize>i);
  return s;
}

/** The second row's sum of scanCodeDotI8Pair. */
let pairSecond: i32 = 0;

/**
 * scanCodeDotI8 for two rows at once (the first returned, the second in pairSecond): each load of the
 * widened query serves both rows, and the loop's own steps are paid once for two.
 */
// @ts-ignore: decorator
@inline function scanCodeDotI8Pair(q16: usize, x: usize, y: usize, dim: i32): i32 {
  let s: i32 = 0;
  let t: i32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let b0 = i32x4.splat(0);
    let b1 = i32x4.splat(0);
    const n16 = dim & ~15;
    for (; i < n16; i += 16) {
      const qa = q16 + (<usize>i << 1);
      const ql = v128.load(qa);
      const qh = v128.load(qa, 16);
      const xv = v128.load(x + <usize>i);
      const yv = v128.load(y + <usize>i);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(xv), ql));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(xv), qh));
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(yv), ql));
      b1 = i32x4.add(b1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(yv), qh));
    }
    const a = i32x4.add(a0, a1);
    const b = i32x4.add(b0, b1);
    s = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
    t = i32x4.extract_lane(b, 0) + i32x4.extract_lane(b, 1) + i32x4.extract_lane(b, 2) + i32x4.extract_lane(b, 3);
  }
  for (; i < dim; i++) {
    const qv = <i32>load<i16>(q16 + (<usize>i << 1));
    s += qv * <i32>load<i8>(x + <usize>i);
    t += qv * <i32>load<i8>(y + <usize>i);
  }
  pairSecond = t;
  return s;
}

/** Where queryCodeI8 puts the query's codes widened to i16: past its code, 16-byte aligned. */
// @ts-ignore: decorator
@inline function wideQuery(q: usize, dim: i32): usize {
  return (q + <usize>I8_HEADER_BYTES + <usize>dim + 15) & ~<usize>15;
}

/**
 * The dot product of the reconstructions of the query code `q` and the row code `x` (kernels-i8.ts
 * reconstructedDot, with scanCodeDotI8 for the integer part).
 */
// @ts-ignore: decorator
@inline function scanDotI8(q: usize, x: usize, dim: i32): f32 {
  return reconstructedDot(q, x, dim, scanCodeDotI8(wideQuery(q, dim), x + <usize>I8_HEADER_BYTES, dim));
}

/** The scan's score of i8 row `x` from its integer dot `dq` with the query code `q`. */
// @ts-ignore: decorator
@inline function i8Score(q: usize, x: usize, dim: i32, dq: i32): f32 {
  const nb = normSqI8(x);
  return nb > 0 ? reconstructedDot(q, x, dim, dq) / Mathf.sqrt(nb) : 0;
}

// @ts-ignore: decorator
@inline function codeScore(kind: i32, query: usize, row: usize, dim: i32): f32 {
  let ab: f32, nb: f32;
  if (kind == ELEMENT_I8) {
    ab = scanDotI8(query, row, dim);
    nb = normSqI8(row);
  } else {
    ab = dotAndNormSqF32F16Inline(query, row, dim);
    nb = lastNormSq;
  }
  return nb > 0 ? ab / Mathf.sqrt(nb) : 0;
}

/**
 * Encodes the f32 query at `src` for an i8 flatScanCodes at `dst`: its i8 code (encodeI8), then its
 * codes again as i16 (see scanCodeDotI8). `dst` needs queryCodeI8Bytes(dim).
 */
export function queryCodeI8(src: usize, dst: usize, dim: i32): void {
  encodeI8(src, dst, dim);
  const wide = wideQuery(dst, dim);
  const codes = dst + <usize>I8_HEADER_BYTES;
  for (let i = 0; i < dim; i++) store<i16>(wide + (<usize>i << 1), <i16>load<i8>(codes + <usize>i));
}

/** Bytes queryCodeI8 writes for `dim` (dst 16-byte aligned). */
export function queryCodeI8Bytes(dim: i32): i32 {
  return <i32>(wideQuery(0, dim) + (<usize>dim << 1));
}

/**
 * Codes of `kind` (ELEMENT_F16 or ELEMENT_I8) at `block` with ids baseId, baseId + 1, ...; `query` is
 * the f32 query for f16, queryCodeI8's output for i8. Deleted ids are skipped; the rest go to the top-k heap.
 */
export function flatScanCodes(kind: i32, query: usize, block: usize, count: i32, dim: i32, baseId: u32, deletedBits: usize): void {
  const stride = codeBytes(kind, dim);
  const top = defaultTopK;
  if (kind == ELEMENT_I8) {
    const wide = wideQuery(query, dim);
    let i = 0;
    // Rows in pairs (scanCodeDotI8Pair); a deleted row's dot is computed and dropped.
    for (; i + 1 < count; i += 2) {
      const x = block + <usize>i * stride;
      const y = x + stride;
      const dx = scanCodeDotI8Pair(wide, x + <usize>I8_HEADER_BYTES, y + <usize>I8_HEADER_BYTES, dim);
      const dy = pairSecond;
      const id = baseId + <u32>i;
      if (!isDeleted(deletedBits, id)) topkPush(top, id, i8Score(query, x, dim, dx));
      if (!isDeleted(deletedBits, id + 1)) topkPush(top, id + 1, i8Score(query, y, dim, dy));
    }
    for (; i < count; i++) {
      const id = baseId + <u32>i;
      if (isDeleted(deletedBits, id)) continue;
      topkPush(top, id, codeScore(ELEMENT_I8, query, block + <usize>i * stride, dim));
    }
  } else {
    for (let i = 0; i < count; i++) {
      const id = baseId + <u32>i;
      if (isDeleted(deletedBits, id)) continue;
      topkPush(top, id, codeScore(ELEMENT_F16, query, block + <usize>i * stride, dim));
    }
  }
}

/** As flatScanCodes, but code i of the block has id `ids[i]` (a u32 array). */
export function flatScanCodesIds(kind: i32, query: usize, block: usize, ids: usize, count: i32, dim: i32, deletedBits: usize): void {
  const stride = codeBytes(kind, dim);
  const top = defaultTopK;
  for (let i = 0; i < count; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    if (isDeleted(deletedBits, id)) continue;
    topkPush(top, id, codeScore(kind, query, block + <usize>i * stride, dim));
  }
}

/** Encodes `count` f32 vectors at `src` as codes of `kind` at `dst`, back to back (one call per batch, not per row). */
export function flatEncode(kind: i32, src: usize, dst: usize, count: i32, dim: i32): void {
  const stride = codeBytes(kind, dim);
  const inStride = vectorBytes(dim);
  for (let i = 0; i < count; i++) {
    const s = src + <usize>i * inStride;
    const d = dst + <usize>i * stride;
    if (kind == ELEMENT_I8) encodeI8(s, d, dim);
    else encodeF16(s, d, dim);
  }
}

/**
 * One thread's share of an exact scan on several threads (src/flat/scanner.ts): runs of `step` rows of
 * the `rows` at `block` (ids baseId..) are claimed with an atomic counter at `claim` and scanned as
 * flatScanCosine (f32: `query`, `queryNorm`) or flatScanCodes (other kinds) would. Thread 0 (the owner)
 * fills its own heap; worker t fills heap u32[heaps + 4t], which the owner reset for the scan (topkResetOn)
 * and merges afterwards (topkMergeFrom), so nothing here allocates.
 */
export function flatScanPart(
  thread: i32, heaps: usize, claim: usize, kind: i32, query: usize, queryNorm: f32, block: usize, rows: i32, dim: i32,
  baseId: u32, deletedBits: usize, step: i32,
): void {
  if (thread != 0) topkUse(<usize>load<u32>(heaps + (<usize>thread << 2)));
  const stride = codeBytes(kind, dim);
  if (ASC_FEATURE_THREADS) {
    while (true) {
      const i = <i32>atomic.add<u32>(claim, <u32>step);
      if (i >= rows) break;
      const n = min(step, rows - i);
      const at = block + <usize>i * stride;
      if (kind == ELEMENT_F32) flatScanCosine(query, queryNorm, at, n, dim, baseId + <u32>i, deletedBits);
      else flatScanCodes(kind, query, at, n, dim, baseId + <u32>i, deletedBits);
    }
  }
}
