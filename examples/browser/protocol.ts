// The messages between the page (main.ts) and the index Worker (worker.ts). One file so both sides
// agree on the shapes; the data (pixels, labels) lives on the page and is copied once to the Worker.

/**
 * How the index is built, chosen by measurement (see README, scripts/measure.mjs): the graph's
 * parameters, and i8 vectors without f32 originals, which build twice as fast and make the saved
 * index a quarter of the f32 one (63 MB, not 226 MB), so a reload reads and checks a quarter of the
 * bytes, for a precision@20 within 0.005 of f32's.
 */
export const INDEX_PARAMS = { M: 8, efConstruction: 32, efSearch: 64, quantization: 'i8', rerank: false } as const;
/** The OPFS path of the saved index. The parameters and data format are in the name, so a change rebuilds. */
export const INDEX_PATH = `memvec-demo/fashion-mnist-v2-M${INDEX_PARAMS.M}-efc${INDEX_PARAMS.efConstruction}-${INDEX_PARAMS.quantization}.hnsw`;
/** Neighbours shown per click. */
export const K = 20;

export type ToWorker =
  | { type: 'init'; images: Uint8Array; labels: Uint8Array; labelNames: string[]; pixels: number }
  | { type: 'search'; id: number; item: number; label: string | null };

export type FromWorker =
  /** Rows inserted so far (build on first visit). */
  | { type: 'progress'; done: number; total: number }
  /** The index is ready: opened from OPFS (openMs), or built (buildMs) and saved to OPFS (saveMs). */
  | { type: 'ready'; source: 'opfs' | 'built'; size: number; openMs?: number; buildMs?: number; saveMs?: number; note?: string }
  | { type: 'results'; id: number; item: number; ms: number; hits: Array<{ item: number; label: string; score: number }> }
  | { type: 'error'; message: string };
