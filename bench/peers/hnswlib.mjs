// hnswlib-node (C++ hnswlib through node-gyp; single-threaded addPoint/searchKnn). Its API takes
// plain number[]: build time includes Array.from per vector (what a user pays); queries are converted
// once before the timed loop, so query timings are the library's search alone.
import { createRequire } from 'node:module';
import { installedVersion } from './version.mjs';

const require = createRequire(import.meta.url);

export const name = 'hnswlib-node';

export async function load() {
  const lib = require('hnswlib-node');
  if (typeof lib.HierarchicalNSW !== 'function') throw new Error('hnswlib-node has no HierarchicalNSW');
  return { lib, version: installedVersion('hnswlib-node') };
}

/** Builds an HNSW index over ds.base with cosine distance, inserting one point at a time. */
export async function buildHnsw({ lib }, ds, { M, efConstruction, seed }) {
  const { n, dim, base } = ds;
  const t0 = performance.now();
  const index = new lib.HierarchicalNSW('cosine', dim);
  index.initIndex({ maxElements: n, m: M, efConstruction, randomSeed: seed });
  for (let i = 0; i < n; i++) index.addPoint(Array.from(base.subarray(i * dim, (i + 1) * dim)), i);
  const buildMs = performance.now() - t0;
  return {
    buildMs,
    note: 'addPoint loop, 1 thread',
    setEf(ef) { index.setEf(ef); },
    prepare(query) { return Array.from(query); },
    /** `filter`: hnswlib-node's filter callback, (label) => boolean, if any. */
    search(prepared, k, filter) { return filter === undefined ? index.searchKnn(prepared, k) : index.searchKnn(prepared, k, filter); },
    /** searchKnn returns neighbours in no guaranteed order; recall only needs the set. */
    ids(result) { return result.neighbors; },
    close() {},
  };
}
