/**
 * The options of every long call (compaction, batch inserts, loading and opening): one type for both
 * the exact store and the HNSW index, so a caller's progress handler fits either.
 */
export interface LongWorkOptions {
  /** Aborts the work (ABORTED) between chunks; what was already committed stays, nothing half-made does. */
  signal?: AbortSignal;
  /**
   * Work done and total: MemMapVector.compact: vectors scanned; batchInsert: rows done; HnswIndex.compact:
   * live entries re-inserted; load and open: bytes read.
   */
  onProgress?: (done: number, total: number) => void;
}
