// Exact cosine scans for the file-backed store. Stored vectors are raw (the store returns them as
// given), so each vector's norm is computed in the same pass as its dot product. A vector is skipped
// when its bit is set in the deletion bitmap (the authority on deletes) or when it is all zeros.

import { vectorBytes } from './element';
import { dotAndNormSqInline, lastNormSq } from './kernels';
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
