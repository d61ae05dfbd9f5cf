/**
 * The eight magic bytes that open each of memvec's file kinds, in one place: each format's module
 * re-exports its own, and file-kind.ts tells them apart. Kept apart from the formats so that one
 * format can recognise another's file (a snapshot reader refusing an index file) without importing it.
 */
/** A vector store (MemMapVector): src/format/flat-header.ts. */
export const FLAT_MAGIC = 'MEMVECF\0';
/** An HNSW snapshot (HnswIndex.save): src/format/hnsw-snapshot.ts. */
export const HNSW_MAGIC = 'MEMVECH1';
/** A persistent HNSW index file (HnswIndex.open): src/format/hnsw-file-header.ts. */
export const INDEX_MAGIC = 'MEMVECI1';
