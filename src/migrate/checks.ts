/** Argument checks shared by migrate, the dual writers and compareRecall. */
import { HnswIndex, MemvecError } from 'memvec';

export function checkIndex(index: unknown): asserts index is HnswIndex {
  if (!(index instanceof HnswIndex)) throw new MemvecError('INVALID_ARGUMENT', 'index must be an HnswIndex');
}
