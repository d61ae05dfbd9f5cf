// Exact cosine scans for the file-backed store. Stored vectors are raw (the store returns them as
// given), so each vector's norm is computed in the same pass as its dot product. A vector is skipped
// when its bit is set in the deletion bitmap (the authority on deletes) or when it is all zeros.

import { codeBytes, ELEMENT_I8, ELEMENT_F16, vectorBytes } from './element';
import { dotAndNormSqInline, lastNormSq } from './kernels';
import { dotAndNormSqF32F16Inline, encodeF16 } from './kernels-f16';
import { dotI8Inline, encodeI8, normSqI8 } from './kernels-i8';
import { defaultTopK, topkPush } from './topk';

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

// @ts-ignore: decorator
@inline function codeScore(kind: i32, query: usize, row: usize, dim: i32): f32 {
  let ab: f32, nb: f32;
  if (kind == ELEMENT_I8) {
    ab = dotI8Inline(query, row, dim);
    nb = normSqI8(row);
  } else {
    ab = dotAndNormSqF32F16Inline(query, row, dim);
    nb = lastNormSq;
  }
  return nb > 0 ? ab / Mathf.sqrt(nb) : 0;
}

/**
 * Codes of `kind` (ELEMENT_F16 or ELEMENT_I8) at `block` with ids baseId, baseId + 1, ...; `query` is
 * f32 for f16 and an i8 code for i8. Deleted ids are skipped; the rest go to the top-k heap.
 */
export function flatScanCodes(kind: i32, query: usize, block: usize, count: i32, dim: i32, baseId: u32, deletedBits: usize): void {
  const stride = codeBytes(kind, dim);
  const top = defaultTopK;
  if (kind == ELEMENT_I8) {
    for (let i = 0; i < count; i++) {
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
