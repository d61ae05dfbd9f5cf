// memvec from the BUILT package (dist/, made by `npm run build`): HnswIndex for graph search and
// MemMapVector for the exact file-backed scan. Results may come back directly or as promises; the
// bench awaits only when the library returns a promise, so sync APIs are not charged a microtask.
// Every index and store here is created with `threads: 1` (issue 11 made every core the default): the
// sections that use this adapter compare memvec with single-threaded peers and with earlier runs, so they
// keep measuring the single-threaded path. sections/threads.mjs measures threads.
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, rootPackageVersion } from './version.mjs';

/** Pins memvec to the single-threaded path (see the comment at the top). */
export const ONE_THREAD = Object.freeze({ threads: 1 });

export const name = 'memvec';

const DIST = join(REPO_ROOT, 'dist', 'index.js');

export async function load() {
  if (!existsSync(DIST)) throw new Error('dist/index.js is missing: run npm run build');
  const lib = await import(pathToFileURL(DIST).href);
  return { lib, version: rootPackageVersion() };
}

export function hasHnsw({ lib }) {
  return typeof lib.HnswIndex?.create === 'function';
}

export function hasMemMap({ lib }) {
  return typeof lib.MemMapVector?.open === 'function';
}

/** Maps the ids addVectors returned back to row numbers of the dataset (identity when they are 0..n-1). */
function rowMapper(ids, n) {
  if (!ids || typeof ids.length !== 'number') return (id) => Number(id);
  if (ids.length !== n) throw new Error(`MemMapVector.addVectors returned ${ids.length} ids for ${n} vectors`);
  let identity = true;
  for (let i = 0; i < n && identity; i++) identity = Number(ids[i]) === i;
  if (identity) return (id) => Number(id);
  const map = new Map();
  for (let i = 0; i < n; i++) map.set(Number(ids[i]), i);
  return (id) => map.get(Number(id)) ?? -1;
}

/** An exact store in a fresh file in os.tmpdir(), filled with ds.base. */
export async function openExact({ lib }, ds, { batchSize } = {}) {
  if (!lib.MemMapVector) throw new Error('dist has no MemMapVector export yet');
  const path = join(tmpdir(), `memvec-bench-${process.pid}-${ds.n}x${ds.dim}.memvec`);
  rmSync(path, { force: true });
  const t0 = performance.now();
  const db = await lib.MemMapVector.open(path, { dimension: ds.dim, ...ONE_THREAD });
  const ids = await db.addVectors(ds.base);
  const loadMs = performance.now() - t0;
  const toRow = rowMapper(ids, ds.n);
  // minScore −1: keep every candidate, like the plain-JS and usearch scans (the default 0 drops negatives).
  const opts = (k) => (batchSize ? { topK: k, minScore: -1, batchSize } : { topK: k, minScore: -1 });
  return {
    loadMs,
    // The storage backend the store picked (a runtime detail, not public API: only reported).
    backend: typeof db.backend?.name === 'string' ? db.backend.name : undefined,
    prepare(query) { return query; },
    search(query, k) { return db.cosineSearch(query, opts(k)); },
    ids(result) { return result.map((r) => toRow(Array.isArray(r) ? r[0] : r.id)); },
    async close() {
      await db.close();
      rmSync(path, { force: true });
    },
  };
}

/**
 * `metadata(i)`, when given, is row i's metadata: the index is then built from batchInsert of entries
 * { key, vector, metadata } (the filter section's way) instead of the flat form.
 */
export async function buildHnsw({ lib }, ds, { M, efConstruction, seed, quantization, rerank }, { metadata } = {}) {
  if (!lib.HnswIndex) throw new Error('dist has no HnswIndex export yet');
  const { n, dim, base } = ds;
  const keys = Array.from({ length: n }, (_, i) => String(i));
  const entries = metadata && keys.map((key, i) => ({ key, vector: base.subarray(i * dim, (i + 1) * dim), metadata: metadata(i) }));
  const t0 = performance.now();
  // quantization / rerank only when asked, so the other sections create exactly what they did before.
  const quant = quantization === undefined ? {} : { quantization, ...(rerank === undefined ? {} : { rerank }) };
  const index = await lib.HnswIndex.create({ dimension: dim, metric: 'cosine', M, efConstruction, efSearch: 50, seed, ...quant, ...ONE_THREAD });
  if (entries) await index.batchInsert(entries);
  else await index.batchInsert(base, keys);
  const buildMs = performance.now() - t0;
  let ef = 50;
  // A per-search rerank factor (quantized indexes keeping originals); undefined: the index's own.
  let rerankNow;
  const searchOpts = () => (rerankNow === undefined ? { ef } : { ef, rerank: rerankNow });
  return {
    buildMs,
    note: `batchInsert(${entries ? 'entries' : 'flat, keys'}), WASM, 1 thread`,
    setEf(e) { ef = e; },
    setRerank(r) { rerankNow = r; },
    prepare(query) { return query; },
    /** `filter`: search's filter option (an object filter or a function of key and metadata), if any. */
    search(query, k, filter) { return index.search(query, k, filter === undefined ? searchOpts() : { ...searchOpts(), filter }); },
    // Full results (keys and scores), for comparing searchBatch with a loop of search().
    searchRaw(query, k) { return index.search(query, k, { ef }); },
    ...(typeof index.searchBatch === 'function' ? { searchBatch: (flat, k) => index.searchBatch(flat, k, { ef }) } : {}),
    ids(result) { return result.map((r) => Number(r.key)); },
    async close() { await index.close?.(); },
  };
}
