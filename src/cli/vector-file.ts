/**
 * The input files `memvec import` and `memvec search --query-file` read, by extension: .fvecs (TEXMEX:
 * each row an int32 dimension, then that many float32), .npy (NumPy, float32, 2-D, C order) and
 * .jsonl / .ndjson (one { "key", "vector", "metadata" } per line). Each is read in batches, never
 * whole, so a file larger than memory imports with memory for one batch.
 */
import { UsageError } from './args.js';
import { openFvecs } from './read-fvecs.js';
import { openJsonl } from './read-jsonl.js';
import { openNpy } from './read-npy.js';

import type { VectorFile } from './vector-file-types.js';

export type { Batch, VectorFile } from './vector-file-types.js';

export const FORMATS = '.fvecs, .npy or .jsonl (JSON Lines of { "key", "vector", "metadata" })';

export function openVectorFile(path: string): Promise<VectorFile> {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  switch (ext) {
    case 'fvecs':
      return openFvecs(path);
    case 'npy':
      return openNpy(path);
    case 'jsonl':
    case 'ndjson':
      return openJsonl(path);
    default:
      throw new UsageError(`cannot tell the format of '${path}' from its extension: give a ${FORMATS} file`);
  }
}
