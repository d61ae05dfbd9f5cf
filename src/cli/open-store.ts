/**
 * Opens the store a command names, whatever kind it is, through the public API only: a MemMapVector
 * file (.mvec, exact), a persistent HnswIndex (.mvi) or an HNSW snapshot (HnswIndex.save's file).
 * memvec refuses a file of another kind with CORRUPT_FILE before touching it, so each kind is tried
 * in turn, the cheapest open first (a MemMapVector reads one header); when none fits, the error of
 * the kind the file's extension suggests is the one reported (it explains real damage best).
 */
import { stat } from 'node:fs/promises';
import { HnswIndex, isMemvecError, MemMapVector, MemvecError } from '../index.js';

export type Store =
  | { kind: 'exact'; path: string; store: MemMapVector }
  | { kind: 'hnsw'; path: string; index: HnswIndex }
  | { kind: 'snapshot'; path: string; index: HnswIndex };

export interface OpenStoreOptions {
  /** Open as the writer (takes the file's writer lock); else a reader. */
  write: boolean;
  signal?: AbortSignal;
  /** Loading progress of an index, in bytes. */
  onProgress?: (done: number, total: number) => void;
}

export async function openStore(path: string, options: OpenStoreOptions): Promise<Store> {
  // Opening a writer would create a missing file: a command that reads a store must not.
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new MemvecError('IO', err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`, { cause: err });
  });
  if (!info.isFile()) throw new MemvecError('IO', `${path} is not a file`);

  const errors: Partial<Record<Store['kind'], unknown>> = {};
  const attempt = async <T>(kind: Store['kind'], open: () => Promise<T>): Promise<T | null> => {
    try {
      return await open();
    } catch (err) {
      if (!isMemvecError(err, 'CORRUPT_FILE')) throw err;
      errors[kind] = err;
      return null;
    }
  };

  const exact = await attempt('exact', () => MemMapVector.open(path, { readOnly: true }));
  if (exact) {
    if (!options.write) return { kind: 'exact', path, store: exact };
    exact.close();
    return { kind: 'exact', path, store: await MemMapVector.open(path) };
  }
  const { signal, onProgress } = options;
  const index = await attempt('hnsw', () => HnswIndex.open(path, { readOnly: !options.write, signal, onProgress }));
  if (index) return { kind: 'hnsw', path, index };
  const snapshot = await attempt('snapshot', () => HnswIndex.load(path, { signal, onProgress }));
  if (snapshot) return { kind: 'snapshot', path, index: snapshot };

  const suggested: Store['kind'] = path.endsWith('.mvec') ? 'exact' : path.endsWith('.hnsw') ? 'snapshot' : 'hnsw';
  throw errors[suggested];
}

export function closeStore(store: Store): void {
  if (store.kind === 'exact') store.store.close();
  else store.index.close();
}

/** The store's dimension and metric, whichever kind it is. */
export function shapeOf(store: Store): { dimension: number; metric: string } {
  return store.kind === 'exact'
    ? { dimension: store.store.dimension, metric: 'cosine' }
    : { dimension: store.index.dimension, metric: store.index.metric };
}
