/**
 * memvec's limits, in one place: what the argument checks enforce, what the file formats accept, and
 * what the engine (assembly/limits.ts) was built with. The engine's own copies are compared with these
 * when it loads (src/engine/abi-check.ts), so the two sides cannot drift apart unnoticed.
 */

/** Values per vector, both file kinds and both indexes. */
export const MAX_DIMENSION = 65536;

/**
 * HNSW links per node on the upper layers (2·M on layer 0). 128 is the public limit: the engine's
 * scratch is sized for it, snapshots refuse larger, and no measured recall gain lies past it.
 */
export const MIN_M = 2;
export const MAX_M = 128;

/** efConstruction and efSearch. */
export const MAX_EF = 1 << 20;

/** HNSW levels are clamped here: with M = 2 it is reached with probability about 2^-33. */
export const MAX_LEVEL = 48;

/** k of a MemMapVector search: the engine's top-k heap holds at most this many entries. */
export const MAX_TOP_K = 1 << 26;

/**
 * The rerank factor of a quantized HnswIndex (its option, a search's, and the snapshot's field):
 * factors above this add nothing a larger ef would not do better.
 */
export const MAX_HNSW_RERANK = 100;

/** The rerank factor of a quantized MemMapVector search: past it the scan of codes keeps most of a store anyway. */
export const MAX_EXACT_RERANK = 1000;

/** Most threads an index or store runs on (the engine keeps a search context per thread). */
export const MAX_THREADS = 256;
