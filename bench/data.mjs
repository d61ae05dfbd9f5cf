// Seeded benchmark data: the generators of data/synthetic.mjs (the tests use them too, so the same
// seed gives the same floats everywhere), plus a cache of generated sets and of their exact groundtruth
// in os.tmpdir(), because generating 100k × 768 floats and brute-forcing groundtruth in plain JS take
// tens of seconds.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredVectors } from '../data/synthetic.mjs';

export const CACHE_DIR = join(tmpdir(), 'memvec-bench-cache');

function cachePath(name) {
  mkdirSync(CACHE_DIR, { recursive: true });
  return join(CACHE_DIR, name);
}

function readCached(path, Ctor, length) {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  if (buf.byteLength !== length * Ctor.BYTES_PER_ELEMENT) return undefined;
  // Copy into a fresh, aligned buffer that the typed array owns.
  const out = new Ctor(length);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function writeCached(path, arr) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  renameSync(tmp, path);
}

/**
 * `n` base vectors and `queries` held-out query vectors from one clustered stream: the generator draws
 * n + queries points with the same centres and the last `queries` become the queries, so they come from
 * the same distribution but are not in the base set. Cached in os.tmpdir().
 * @returns {{ name: string, n: number, q: number, dim: number, clusters: number, seed: number,
 *   base: Float32Array, queries: Float32Array, cached: boolean, genMs: number }}
 */
export function clusteredDataset({ n, queries, dim, clusters, seed }) {
  const total = n + queries;
  const file = cachePath(`clustered-n${total}-d${dim}-c${clusters}-s${seed}.f32`);
  const t0 = performance.now();
  let all = readCached(file, Float32Array, total * dim);
  const cached = all !== undefined;
  if (!all) {
    all = clusteredVectors(total, dim, clusters, seed);
    writeCached(file, all);
  }
  return {
    name: `${fmtCount(n)} × ${dim}`,
    n, q: queries, dim, clusters, seed,
    base: all.subarray(0, n * dim),
    queries: all.slice(n * dim),
    cached,
    genMs: performance.now() - t0,
  };
}

/**
 * Exact cosine top-k ids for every query of `ds`, from `compute(ds, k)` (an Int32Array of q·k ids),
 * cached next to the data so it is computed once.
 */
export function cachedGroundtruth(ds, k, compute) {
  const file = cachePath(`gt-cos-k${k}-q${ds.q}-n${ds.n}-d${ds.dim}-c${ds.clusters}-s${ds.seed}.i32`);
  const t0 = performance.now();
  let gt = readCached(file, Int32Array, ds.q * k);
  const cached = gt !== undefined;
  if (!gt) {
    gt = compute(ds, k);
    writeCached(file, gt);
  }
  return { ids: gt, k, cached, ms: performance.now() - t0 };
}

export function fmtCount(n) {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}
