// Section 2: exact (brute-force) cosine top-k over clustered vectors: memvec's file-backed
// MemMapVector.cosineSearch vs a plain-JS scan vs usearch.exactSearch, one query at a time, 1 thread.
// Stores are opened with threads: 1 (here and in peers/memvec.mjs): issue 11 made every core the default
// for large scans, and this section compares single-threaded scans; sections/threads.mjs measures threads.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, clusteredDataset, fmtCount } from '../data.mjs';
import * as memvec from '../peers/memvec.mjs';
import * as usearch from '../peers/usearch.mjs';
import { latency } from '../measure.mjs';
import { cosineTopK, TopK } from '../plain-js.mjs';
import { fixed, num, ratio, table } from '../table.mjs';

function plainHandle(ds) {
  const topk = new TopK(10);
  return {
    prepare: (q) => q,
    search: (q, k) => cosineTopK(ds.base, ds.n, ds.dim, q, k, topk.k === k ? topk : new TopK(k)),
    ids: (r) => r,
    close() {},
  };
}

export async function exactSection({ datasets, peers, sizes, log, k }) {
  const out = [];
  out.push(`## 2. Exact scan: cosine top-${k}, one query at a time, 1 thread\n`);
  out.push(
    `Held-out queries against the base set, each timed once, over ≥ ${sizes.exactMinMs} ms of timed queries ` +
      `(≥ 5 queries, ≤ all ${datasets[0].q}). Every query scans the whole set, so all do the same work: the fastest ` +
      `query is the least disturbed measurement on a shared machine, the median is what a user saw during this run. ` +
      `GB/s = base bytes (n·d·4) / fastest query time. Recall@${k} against the ` +
      `plain-JS f64 groundtruth (1.0 expected; float32 ties may cost a hair). Plain JS and memvec both read raw ` +
      `vectors and compute q·x and |x|² in one pass per row (no precomputed norms). memvec scans a file in ` +
      `os.tmpdir() (page-cached after the write). usearch gets a copied query (its exactSearch ignores a subarray's byteOffset).\n`,
  );
  const rows = [];
  const missing = new Set();
  const skip = (ds, impl, why) => {
    rows.push([ds.name, impl, 'n/a']);
    missing.add(`${impl}: ${why}`);
  };
  for (const ds of datasets) {
    const gt = ds.gt;
    const bytes = ds.n * ds.dim * 4;
    const opts = { minMs: sizes.exactMinMs, minReps: 5 };
    log(`exact: ${ds.name} plain JS`);
    const base = await latency(plainHandle(ds), ds, gt, k, opts);
    const row = (impl, r, extra = '') => [
      ds.name, impl, fixed(r.msMedian, 3), fixed(r.msMin, 3), fixed(bytes / r.msMin / 1e6, 2), fixed(r.recall, 4),
      ratio(base.msMin, r.msMin), ratio(base.msMedian, r.msMedian), `${r.queries}${extra}`,
    ];
    rows.push(row('plain JS brute force', base));

    const mv = peers.memvec;
    if (mv.error || !memvec.hasMemMap(mv)) {
      skip(ds, 'memvec MemMapVector.cosineSearch', `not available: ${mv.error ?? 'dist has no MemMapVector export yet'}`);
    } else {
      log(`exact: ${ds.name} memvec`);
      let h;
      try {
        h = await memvec.openExact(mv, ds);
        const r = await latency(h, ds, gt, k, opts);
        const impl = `memvec MemMapVector.cosineSearch${h.backend ? ` (${h.backend} backend)` : ''}`;
        rows.push(row(impl, r, `; addVectors ${num(h.loadMs)} ms`));
      } catch (err) {
        skip(ds, 'memvec MemMapVector.cosineSearch', `failed on ${ds.name}: ${err?.message ?? err}`);
      } finally {
        await h?.close();
      }
    }

    const us = peers.usearch;
    if (us.error) {
      skip(ds, 'usearch exactSearch', `not available: ${us.error}`);
    } else {
      log(`exact: ${ds.name} usearch`);
      try {
        const h = await usearch.openExact(us, ds);
        const r = await latency(h, ds, gt, k, opts);
        rows.push(row(`usearch ${us.version} exactSearch`, r));
      } catch (err) {
        skip(ds, 'usearch exactSearch', `failed on ${ds.name}: ${err?.message ?? err}`);
      }
    }
  }
  out.push(table(
    ['data', 'implementation', '>ms / query (median)', '>ms / query (fastest)', '>GB/s (fastest)', `>recall@${k}`,
      '>× plain JS (fastest)', '>× plain JS (median)', '>queries timed'],
    rows,
  ));
  if (missing.size) out.push(`\nNot measured (n/a): ${[...missing].join('; ')}.`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Section 2b (`--only=exact-quantized`): MemMapVector's `quantization` option on the issue's size,
// 1M × 512 (--quick: 100k × 512). Each store file is built once and cached in os.tmpdir() (a 1M × 512
// i8 file is 2.6 GB and takes minutes to write); a cached file is reused when its vector count matches.

function quantizedStorePath(kind, spec) {
  return join(CACHE_DIR, `exact-${kind}-n${spec.n}-d${spec.dim}-c${spec.clusters}-s${spec.seed}.mvec`);
}

/** Opens the cached store of `kind` for `ds`, building it first (beside its path, renamed when whole) if needed. */
async function cachedStore(lib, kind, ds, log) {
  const path = quantizedStorePath(kind, ds);
  if (existsSync(path)) {
    const db = await lib.MemMapVector.open(path, { readOnly: true, threads: 1 });
    if (db.getTotalVectors() === ds.n && db.quantization === kind) return { db, buildMs: undefined };
    db.close();
    rmSync(path, { force: true });
  }
  const tmp = `${path}.${process.pid}.building`;
  rmSync(tmp, { force: true });
  log(`exact-quantized: building the ${kind} store (${ds.name}) in ${path}`);
  const t0 = performance.now();
  const w = await lib.MemMapVector.open(tmp, { dimension: ds.dim, quantization: kind, threads: 1 });
  const step = 50_000;
  for (let i = 0; i < ds.n; i += step) w.addVectors(ds.base.subarray(i * ds.dim, Math.min(ds.n, i + step) * ds.dim));
  w.close();
  const buildMs = performance.now() - t0;
  renameSync(tmp, path);
  return { db: await lib.MemMapVector.open(path, { readOnly: true, threads: 1 }), buildMs };
}

export async function exactQuantizedSection({ sizes, peers, log, k }) {
  const spec = sizes.exactQuantized;
  const out = [`## 2b. Exact store with quantized vectors: cosine top-${k} over ${fmtCount(spec.n)} × ${spec.dim}, one query at a time, 1 thread\n`];
  const mv = peers.memvec;
  if (mv.error || !memvec.hasMemMap(mv)) return `${out[0]}\nNot measured: memvec is not available (${mv.error ?? 'no MemMapVector'}).`;
  const ds = clusteredDataset({ n: spec.n, queries: spec.queries, dim: spec.dim, clusters: spec.clusters, seed: spec.seed });
  const kinds = ['f32', 'i8', 'f16'];
  const stores = {};
  for (const kind of kinds) stores[kind] = await cachedStore(mv.lib, kind, ds, log);
  const query = (i) => ds.queries.subarray(i * ds.dim, (i + 1) * ds.dim);
  const opts = { topK: k, minScore: -1 };
  // The f32 store is exact: its top-k is the truth the quantized stores' recall is measured against.
  const truth = Array.from({ length: ds.q }, (_, i) => stores.f32.db.cosineSearch(query(i), opts).map(([id]) => id));
  const recallOf = (kind, rerank) => {
    let hits = 0;
    for (let i = 0; i < ds.q; i++) {
      const want = new Set(truth[i]);
      hits += stores[kind].db.cosineSearch(query(i), rerank ? { ...opts, rerank } : opts).filter(([id]) => want.has(id)).length;
    }
    return hits / (ds.q * k);
  };
  // Rounds alternate the stores, so a disturbance on the shared machine hits each alike; each store's
  // number is its fastest query over all rounds (every query scans everything: the same work).
  log(`exact-quantized: timing ${spec.rounds} alternated rounds of ${ds.q} queries`);
  const samples = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (const kind of kinds) stores[kind].db.cosineSearch(query(0), opts); // warm-up (page cache, JIT)
  for (let round = 0; round < spec.rounds; round++) {
    for (const kind of kinds) {
      for (let i = 0; i < ds.q; i++) {
        const t0 = performance.now();
        stores[kind].db.cosineSearch(query(i), opts);
        samples[kind].push(performance.now() - t0);
      }
    }
  }
  const best = (kind) => Math.min(...samples[kind]);
  const med = (kind) => [...samples[kind]].sort((a, b) => a - b)[samples[kind].length >> 1];
  const rows = kinds.map((kind) => {
    const s = stores[kind].db.stat();
    return [
      kind === 'f32' ? 'f32' : `${kind} + exact rerank`,
      fixed(best(kind), 1), fixed(med(kind), 1), ratio(best('f32'), best(kind)),
      kind === 'f32' ? '1 (the truth)' : fixed(recallOf(kind), 4),
      num(s.bytesPerVector), fixed(s.fileSize / 1e9, 2),
      stores[kind].buildMs === undefined ? 'cached' : `${num(stores[kind].buildMs)} ms`,
    ];
  });
  out.push(
    `Clustered vectors (${spec.clusters} clusters, seed ${spec.seed}, not normalized), ${ds.q} held-out queries, minScore −1. ` +
      `Each store is a file in os.tmpdir() (mmap backend where available), built once and cached, page-cached after the first query. ` +
      `f16 and i8 scan only their codes and rescore the best topK × rerank (its default) with the f32 ` +
      `originals, so scores are exact. ${spec.rounds} rounds alternate the stores; ms = the fastest query over all rounds (and the median). ` +
      `Recall@${k} is against the f32 store's top-${k} for the same queries. Bytes per vector: on disk (code + f32 original for f16 and i8).\n`,
  );
  out.push(table(['store', '>ms / query (fastest)', '>ms / query (median)', '>× f32 (fastest)', `>recall@${k} vs f32`, '>bytes / vector', '>file GB', 'build'], rows));
  // The rerank factor's default: recall at R = 1..5 on this data.
  const rr = [1, 2, 3, 4, 5];
  out.push(`\nRecall@${k} against f32 by rerank factor R (candidates = ${k} × R):\n`);
  out.push(table(['store', ...rr.map((r) => `>R = ${r}`)], ['i8', 'f16'].map((kind) => [kind, ...rr.map((r) => fixed(recallOf(kind, r), 4))])));
  for (const kind of kinds) stores[kind].db.close();
  return out.join('\n');
}
