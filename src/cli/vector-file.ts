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

export interface Batch {
  /** n·dimension values, row-major. */
  vectors: Float32Array;
  /** One per row: the file's own (JSON Lines) or the row number (fvecs, npy: "0", "1", …). */
  keys: string[];
  /** JSON Lines only: one per row (undefined where a line has none). */
  metadata?: unknown[];
  /** Where row i of this batch is in the file, for error messages ("row 17", "line 18"). */
  where(i: number): string;
}

export interface VectorFile {
  path: string;
  format: 'fvecs' | 'npy' | 'jsonl';
  dimension: number;
  /** Rows in the file (JSON Lines: non-blank lines). */
  rows: number;
  batches(size: number): AsyncGenerator<Batch>;
}

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
