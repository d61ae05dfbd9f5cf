// usearch (C++ with its own SIMD kernels, prebuilt binary). Threads are pinned to 1 for add, search
// and exactSearch. Its search expansion (ef) is fixed when an Index is constructed, so the built index
// is saved once to os.tmpdir() and, per ef, loaded into a new Index constructed with that
// expansion_search (same graph, different ef; load copies it into RAM).
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedVersion } from './version.mjs';

export const name = 'usearch';

// The CommonJS entry: the ESM one locates its native binary from a stack-trace file name and can stop
// at this repo's own build/ folder; the CJS one starts from its __dirname.
const require = createRequire(import.meta.url);

export async function load() {
  const mod = require('usearch');
  const lib = mod.default ?? mod;
  if (typeof lib.Index !== 'function' || typeof lib.exactSearch !== 'function') throw new Error('usearch has no Index/exactSearch');
  return { lib, version: installedVersion('usearch') };
}

function config(lib, dim, M, efConstruction, ef) {
  return {
    dimensions: dim,
    metric: lib.MetricKind.Cos,
    quantization: lib.ScalarKind.F32,
    connectivity: M,
    expansion_add: efConstruction,
    expansion_search: ef,
    multi: false,
  };
}

/** Exact search through usearch.exactSearch (1 thread) over the same Float32Array. */
export async function openExact({ lib }, ds) {
  const { base, dim } = ds;
  return {
    // exactSearch ignores the byteOffset of a subarray query: callers must pass an own-buffer copy.
    prepare(query) { return query.byteOffset === 0 && query.length === query.buffer.byteLength / 4 ? query : query.slice(); },
    search(query, k) { return lib.exactSearch(base, query, dim, k, lib.MetricKind.Cos, 1); },
    ids(result) { return Array.from(result.keys, Number); },
    close() {},
  };
}

export async function buildHnsw({ lib }, ds, { M, efConstruction }) {
  const { n, dim, base } = ds;
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  const t0 = performance.now();
  const built = new lib.Index(config(lib, dim, M, efConstruction, 16));
  built.add(keys, base, 1);
  const buildMs = performance.now() - t0;
  if (built.size() !== n) throw new Error(`usearch index holds ${built.size()} of ${n} vectors`);
  const path = join(tmpdir(), `memvec-bench-usearch-${process.pid}-${n}-${dim}.usearch`);
  built.save(path);
  let index = built;
  return {
    buildMs,
    note: 'add(keys, vectors, threads = 1)',
    setEf(ef) {
      index = new lib.Index(config(lib, dim, M, efConstruction, ef));
      index.load(path);
    },
    prepare(query) { return query.slice(); },
    search(query, k) { return index.search(query, k, 1); },
    ids(result) { return Array.from(result.keys, Number); },
    close() { rmSync(path, { force: true }); },
  };
}
