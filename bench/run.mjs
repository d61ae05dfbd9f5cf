#!/usr/bin/env node
// `npm run bench`: memvec against a plain-JS baseline, hnswlib-node and usearch, on the same seeded
// data in one run. Prints markdown tables to stdout (progress goes to stderr) and writes them to
// bench/results/<date>-<machine>.md and bench/results/latest.md.
//   --quick            smaller sizes for development and smoke runs (~1 minute); writes latest-quick.md
//   --only=a,b         run some sections only: kernel, exact, exact-quantized, hnsw, storage, compact, postgres, filter,
//                      quantization, threads (writes no latest*.md); `--quick --only=exact-quantized` is the quick way
//                      to the f16/i8 exact store table, `--quick --only=quantization` to the quantized HNSW one,
//                      `--quick --only=threads` to the 1-thread vs 2-thread table (issue 11)
//   --libs=a,b         load only these libraries: memvec, hnswlib, usearch (the others show as n/a);
//                      `--quick --only=hnsw --libs=memvec` is the quick way to the searchBatch table
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedGroundtruth, CACHE_DIR, clusteredDataset, fmtCount } from './data.mjs';
import { machine, machineTag } from './machine.mjs';
import * as hnswlib from './peers/hnswlib.mjs';
import * as memvec from './peers/memvec.mjs';
import * as usearch from './peers/usearch.mjs';
import { exactGroundtruth } from './plain-js.mjs';
import { compactSection } from './sections/compact.mjs';
import { exactQuantizedSection, exactSection } from './sections/exact.mjs';
import { filterSection } from './sections/filter.mjs';
import { hnswSection } from './sections/hnsw.mjs';
import { kernelSection } from './sections/kernel.mjs';
import { postgresSection } from './sections/postgres.mjs';
import { quantizationSection } from './sections/quantization.mjs';
import { storageSection } from './sections/storage.mjs';
import { threadsSection } from './sections/threads.mjs';
import { num, secs, table } from './table.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const K = 10;
const SECTIONS = ['kernel', 'exact', 'exact-quantized', 'hnsw', 'storage', 'compact', 'postgres', 'filter', 'quantization', 'threads'];
const LIBS = ['memvec', 'hnswlib', 'usearch'];

const SIZES = {
  full: {
    kernelN: 100_000, kernelDims: [768, 128], kernelMinMs: 1000,
    kernelQuantDims: [128, 384, 768, 1536], kernelQuantBytes: 128 * 2 ** 20,
    datasets: [{ n: 100_000, dim: 128 }, { n: 50_000, dim: 768 }], queries: 500, clusters: 100, seed: 42,
    exactMinMs: 2000, hnswMinMs: 1000, efs: [16, 32, 64, 128, 256], recallTargets: [0.95, 0.99, 0.999],
    // The issue's size (1M × 512): three cached store files of 2 to 3 GB each in os.tmpdir().
    exactQuantized: { n: 1_000_000, dim: 512, queries: 20, clusters: 100, seed: 42, rounds: 3 },
    storage: { n: 1_000_000, dim: 128 }, storageMinMs: 2000,
    compact: { lives: [100, 1_000, 10_000], dim: 128, queries: 200 },
    postgres: { n: 20_000, dim: 384 },
    // ef 128 too doubles the section: 29 min for both on 2 shared cores with the O(n) filters of today's dist/.
    filterEfs: [64],
    // Quantization: rounds per ef, rerank factors at one ef, [dim, n] of the bytes table, capacity ceiling.
    quantEfs: [10, 16, 24, 32, 48, 64, 128, 256], quantRounds: 3, quantRerankEf: 64, quantRerank: [1, 2, 3, 5],
    quantMemory: [[128, 200_000], [768, 50_000], [1536, 30_000]], quantCeilingMiB: 256,
    // Threads (issue 11): builds of `datasets` (100k × 128 ≈ 40 s on one thread: 2 rounds per side), searchBatch
    // of batchQueries queries at ef, and the exact scan of scan.n × scan.dim f32 (a 512 MiB temp file).
    threads: {
      buildRounds: 2, ef: 64, batchQueries: 2000, batchRounds: 15,
      scan: { n: 1_000_000, dim: 128, queries: 10, rounds: 15, chunk: 100_000 },
    },
  },
  quick: {
    kernelN: 20_000, kernelDims: [768, 128], kernelMinMs: 200,
    kernelQuantDims: [128, 384, 768, 1536], kernelQuantBytes: 64 * 2 ** 20,
    datasets: [{ n: 20_000, dim: 128 }, { n: 5_000, dim: 768 }], queries: 200, clusters: 100, seed: 42,
    exactMinMs: 300, hnswMinMs: 150, efs: [16, 32, 64, 128, 256], recallTargets: [0.95, 0.99, 0.999],
    exactQuantized: { n: 100_000, dim: 512, queries: 20, clusters: 100, seed: 42, rounds: 3 },
    storage: { n: 100_000, dim: 128 }, storageMinMs: 300,
    compact: { lives: [100, 1_000, 5_000], dim: 128, queries: 100 },
    postgres: { n: 2_000, dim: 384 },
    filterEfs: [64, 128],
    quantEfs: [10, 12, 16, 24, 32, 64, 128], quantRounds: 3, quantRerankEf: 64, quantRerank: [1, 2, 3, 5],
    quantMemory: [[128, 50_000], [768, 20_000], [1536, 10_000]], quantCeilingMiB: 128,
    threads: {
      buildRounds: 4, ef: 64, batchQueries: 2000, batchRounds: 21,
      scan: { n: 200_000, dim: 128, queries: 10, rounds: 25, chunk: 100_000 },
    },
  },
};

function parseArgs(argv) {
  const args = { quick: false, only: SECTIONS, libs: LIBS };
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a.startsWith('--only=')) {
      args.only = a.slice(7).split(',').filter(Boolean);
      const bad = args.only.filter((s) => !SECTIONS.includes(s));
      if (bad.length) throw new Error(`unknown section(s) ${bad.join(', ')}; known: ${SECTIONS.join(', ')}`);
    } else if (a.startsWith('--libs=')) {
      args.libs = a.slice(7).split(',').filter(Boolean);
      const bad = args.libs.filter((s) => !LIBS.includes(s));
      if (bad.length) throw new Error(`unknown librar(ies) ${bad.join(', ')}; known: ${LIBS.join(', ')}`);
    } else if (a === '--help' || a === '-h') {
      console.log(`node bench/run.mjs [--quick] [--only=${SECTIONS.join(',')}] [--libs=memvec,hnswlib,usearch]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const started = performance.now();
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

async function loadPeer(mod) {
  try {
    return await mod.load();
  } catch (err) {
    return { error: (err?.message ?? String(err)).split('\n')[0] };
  }
}

function gitHead() {
  try {
    const root = join(HERE, '..');
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'assembly'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${head}, with uncommitted changes in src/ or assembly/` : head;
  } catch {
    return 'unknown';
  }
}

/** When dist/ and build/memvec.wasm were built: the bench measures those, whatever src/ says now. */
function builtAt() {
  const at = (p) => {
    try {
      return statSync(join(HERE, '..', p)).mtime.toISOString();
    } catch {
      return 'missing';
    }
  };
  return `dist/index.js ${at('dist/index.js')}, build/memvec.wasm ${at('build/memvec.wasm')}`;
}

function stamp(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.quick ? SIZES.quick : SIZES.full;
  const m = machine();

  const wanted = (id, mod) => (args.libs.includes(id) ? loadPeer(mod) : { error: 'not requested (--libs)' });
  const peers = {
    memvec: await wanted('memvec', memvec),
    hnswlib: await wanted('hnswlib', hnswlib),
    usearch: await wanted('usearch', usearch),
  };
  const peerText = (p, name) => (p.error ? `${name}: not available (${p.error})` : `${name} ${p.version}`);

  const header = [
    `# memvec benchmark${args.quick ? ' (--quick)' : ''}`,
    '',
    `- date: ${m.date.toISOString()}`,
    `- machine: ${m.cpu}, ${m.cores} logical cores, ${m.memGiB.toFixed(1)} GiB RAM, ${m.platform}`,
    `- runtime: Node ${m.node} (V8 ${m.v8})`,
    `- load average at start (1/5/15 min): ${m.load.map((x) => x.toFixed(2)).join(' / ')}`,
    `- memvec commit: ${gitHead()}; built: ${builtAt()}`,
    `- libraries: ${peerText(peers.memvec, 'memvec (dist/)')}; ${peerText(peers.hnswlib, 'hnswlib-node')}; ${peerText(peers.usearch, 'usearch')}`,
    `- sections: ${args.only.join(', ')}; every number below was measured in this run`,
    '',
  ].join('\n');
  console.log(header);
  const parts = [header];
  const emit = (text) => {
    console.log(`${text}\n`);
    parts.push(`${text}\n`);
  };

  let datasets = [];
  // Sections 2, 3, 7, 8 and 9 search the same clustered sets (7 also uses their unfiltered groundtruth).
  if (['exact', 'hnsw', 'filter', 'quantization', 'threads'].some((s) => args.only.includes(s))) {
    const rows = [];
    for (const spec of sizes.datasets) {
      log(`data: ${fmtCount(spec.n)} × ${spec.dim} (+${sizes.queries} queries)`);
      const ds = clusteredDataset({ ...spec, queries: sizes.queries, clusters: sizes.clusters, seed: sizes.seed });
      log(`data: groundtruth for ${ds.name}`);
      ds.gt = cachedGroundtruth(ds, K, exactGroundtruth);
      datasets.push(ds);
      rows.push([
        ds.name, num(ds.n), ds.q, ds.dim, ds.clusters, ds.seed,
        `${ds.cached ? 'cache' : 'generated'}, ${num(ds.genMs)} ms`, `${ds.gt.cached ? 'cache' : 'plain JS, f64'}, ${num(ds.gt.ms)} ms`,
      ]);
    }
    emit(
      `## Data\n\nClustered vectors from the seeded generator of data/synthetic.mjs (shared with the tests): ` +
        `\`clusters\` uniform centres in [-1, 1)^d, each point a centre plus noise (sum of 3 uniforms − 1.5) × 0.35 per ` +
        `coordinate, not normalized. One stream of n + q points; the last q are the held-out queries. Groundtruth: exact cosine ` +
        `top-${K} by plain JS. Cache: ${CACHE_DIR}.\n\n` +
        table(['set', '>n', '>queries', '>dim', '>clusters', '>seed', 'data', 'groundtruth'], rows),
    );
  }

  const ctx = { sizes, peers, datasets, log, k: K };
  // Each section notes the 1-minute load average before and after it: above the core count, the
  // machine was shared while it ran and its timings are pessimistic.
  const section = async (fn) => {
    const before = loadavg()[0];
    const text = await fn(ctx);
    emit(`${text}\n\n_Load average (1 min) before / after this section: ${before.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${m.cores} cores._`);
  };
  if (args.only.includes('kernel')) await section(kernelSection);
  if (args.only.includes('exact')) await section(exactSection);
  if (args.only.includes('exact-quantized')) await section(exactQuantizedSection);
  if (args.only.includes('hnsw')) await section(hnswSection);
  if (args.only.includes('storage')) {
    if (peers.memvec.error) emit(`## 4. Exact store per storage backend\n\nmemvec not available: ${peers.memvec.error}`);
    else await section((c) => storageSection({ ...c, api: peers.memvec.lib }));
  }
  if (args.only.includes('compact')) {
    if (peers.memvec.error) emit(`## 5. HnswIndex.compact() after churn\n\nmemvec not available: ${peers.memvec.error}`);
    else await section((c) => compactSection({ ...c, api: peers.memvec.lib }));
  }
  if (args.only.includes('postgres')) await section(postgresSection);
  if (args.only.includes('filter')) await section(filterSection);
  if (args.only.includes('quantization')) await section(quantizationSection);
  if (args.only.includes('threads')) await section(threadsSection);

  const footer = `---\nTotal wall time ${secs(performance.now() - started)}; load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`;
  console.log(footer);
  parts.push(footer, '');

  const dir = join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  const partial = args.only.length !== SECTIONS.length || args.libs.length !== LIBS.length;
  const suffix = `${args.quick ? '-quick' : ''}${partial ? '-partial' : ''}`;
  const file = join(dir, `${stamp(m.date)}-${machineTag(m)}${suffix}.md`);
  const text = parts.join('\n');
  writeFileSync(file, text);
  if (!partial) writeFileSync(join(dir, `latest${args.quick ? '-quick' : ''}.md`), text);
  log(`wrote ${file}${partial ? '' : ` and latest${args.quick ? '-quick' : ''}.md`}`);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
