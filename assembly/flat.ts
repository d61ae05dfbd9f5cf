// Exact cosine scans for the file-backed store. Stored vectors are raw (the store returns them as
// given), so each vector's norm is computed in the same pass as its dot product. All-zero vectors are
// deleted ones and are never offered to the top-k heap.
import { dotAndNormSqInline, lastNormSq } from './kernels';
import { topkPush } from './topk';

export function flatScanCosine(query: usize, queryNorm: f32, block: usize, count: i32, dim: i32, baseId: u32): void {
  const stride = <usize>dim << 2;
  for (let i = 0; i < count; i++) {
    const ab = dotAndNormSqInline(query, block + <usize>i * stride, dim);
    const nb = lastNormSq;
    if (nb == 0) continue;
    topkPush(baseId + <u32>i, ab / (queryNorm * Mathf.sqrt(nb)));
  }
}

export function flatScanCosineIds(query: usize, queryNorm: f32, block: usize, ids: usize, count: i32, dim: i32): void {
  const stride = <usize>dim << 2;
  for (let i = 0; i < count; i++) {
    const ab = dotAndNormSqInline(query, block + <usize>i * stride, dim);
    const nb = lastNormSq;
    if (nb == 0) continue;
    topkPush(load<u32>(ids + (<usize>i << 2)), ab / (queryNorm * Mathf.sqrt(nb)));
  }
}
