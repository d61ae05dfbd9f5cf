/**
 * What every input-file reader (read-fvecs.ts, read-npy.ts, read-jsonl.ts) returns, apart from
 * vector-file.ts, which picks the reader by extension: so the readers do not import their chooser.
 */
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
