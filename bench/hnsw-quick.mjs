// Quick HNSW comparison while tuning: memvec's HnswIndex straight from src/ (bundled on the fly with
// esbuild, so no `npm run build` is needed) against hnswlib-node, single thread, on the benchmark's
// clustered data (raw vectors, cosine metric, queries held out from the same stream). memvec gets
// threads: 1 (every core is the default since issue 11): hnswlib-node's addPoint loop is single-threaded.
//   node bench/hnsw-quick.mjs [--n=100000] [--dim=128] [--efs=16,32,64,128] [--only=memvec|hnswlib]
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cachedGroundtruth, clusteredDataset } from './data.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const n = Number(args.n ?? 100_000);
const dim = Number(args.dim ?? 128);
const efs = (args.efs ?? '16,32,64,128').split(',').map(Number);
const only = args.only;
const K = 10;
const M = 16;
const EFC = 200;

const ds = clusteredDataset({ n, queries: 500, dim, clusters: 100, seed: 42 });

function exactCosine(d, k) {
  const unit = (src, count) => {
    const out = new Float32Array(src.length);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let j = 0; j < d.dim; j++) s += src[i * d.dim + j] ** 2;
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < d.dim; j++) out[i * d.dim + j] = src[i * d.dim + j] * inv;
    }
    return out;
  };
  const base = unit(d.base, d.n);
  const qs = unit(d.queries, d.q);
  const out = new Int32Array(d.q * k);
  const scores = new Float32Array(d.n);
  for (let q = 0; q < d.q; q++) {
    for (let i = 0; i < d.n; i++) {
      let s = 0;
      for (let j = 0; j < d.dim; j++) s += qs[q * d.dim + j] * base[i * d.dim + j];
      scores[i] = s;
    }
    const ids = Array.from({ length: d.n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    out.set(ids.slice(0, k), q * k);
  }
  return out;
}
const gt = cachedGroundtruth(ds, K, exactCosine).ids;

function recallOf(results) {
  let hits = 0;
  for (let q = 0; q < ds.q; q++) {
    const truth = new Set(gt.subarray(q * K, (q + 1) * K));
    for (const id of results[q]) if (truth.has(id)) hits++;
  }
  return hits / (ds.q * K);
}

// This machine is shared: CPU time of this process is a steadier measure than wall time when other
// work competes for the cores, so both are reported.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Passes over all queries until at least minMs have passed; q/s (wall, CPU) and recall of the first pass. */
function measure(search, minMs = 1500) {
  const first = [];
  for (let q = 0; q < ds.q; q++) first.push(search(q));
  let done = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  while (performance.now() - t0 < minMs) {
    for (let q = 0; q < ds.q; q++) search(q);
    done += ds.q;
  }
  return { recall: recallOf(first), qps: (done / (performance.now() - t0)) * 1000, cpuQps: (done / (cpuMs() - c0)) * 1000 };
}

const line = (lib, what) => console.log(`${lib.padEnd(12)} ${what}`);

if (only !== 'hnswlib') {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const out = join(root, '.tmp', 'hnsw-quick-bundle.mjs');
  await build({ entryPoints: [join(root, 'src', 'hnsw-index.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error' });
  const { HnswIndex } = await import(pathToFileURL(out).href);
  const index = await HnswIndex.create({ dimension: dim, metric: 'cosine', M, efConstruction: EFC, seed: 100, threads: 1 });
  const keys = Array.from({ length: n }, (_, i) => String(i));
  const t0 = performance.now();
  const c0 = cpuMs();
  await index.batchInsert(ds.base, keys);
  line('memvec', `build ${((performance.now() - t0) / 1000).toFixed(2)} s, CPU ${((cpuMs() - c0) / 1000).toFixed(2)} s (${n} × ${dim})`);
  const queries = Array.from({ length: ds.q }, (_, q) => ds.queries.subarray(q * dim, (q + 1) * dim));
  for (const ef of efs) {
    const r = measure((q) => index.search(queries[q], K, { ef }).map((x) => Number(x.key)));
    line('memvec', `ef ${String(ef).padStart(4)}: recall ${r.recall.toFixed(4)}  ${Math.round(r.qps)} q/s (CPU time: ${Math.round(r.cpuQps)} q/s)`);
  }
  index.close();
}

if (only !== 'memvec') {
  const lib = createRequire(import.meta.url)('hnswlib-node');
  const index = new lib.HierarchicalNSW('cosine', dim);
  const t0 = performance.now();
  const c0 = cpuMs();
  index.initIndex({ maxElements: n, m: M, efConstruction: EFC, randomSeed: 100 });
  for (let i = 0; i < n; i++) index.addPoint(Array.from(ds.base.subarray(i * dim, (i + 1) * dim)), i);
  line('hnswlib-node', `build ${((performance.now() - t0) / 1000).toFixed(2)} s, CPU ${((cpuMs() - c0) / 1000).toFixed(2)} s`);
  const queries = Array.from({ length: ds.q }, (_, q) => Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
  for (const ef of efs) {
    index.setEf(ef);
    const r = measure((q) => index.searchKnn(queries[q], K).neighbors);
    line('hnswlib-node', `ef ${String(ef).padStart(4)}: recall ${r.recall.toFixed(4)}  ${Math.round(r.qps)} q/s (CPU time: ${Math.round(r.cpuQps)} q/s)`);
  }
}
