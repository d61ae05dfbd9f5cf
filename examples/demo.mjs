// memvec's main job in one command: index real vectors (SIFT, 10,000 × 128), search them, save and
// reopen, and keep an exact file-backed store beside it. Every number printed is measured here.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswIndex, MemMapVector } from '../dist/index.js';
import { loadSiftSmall } from '../data/fvecs.mjs';

const K = 10;
const { base, queries, groundtruth } = loadSiftSmall();
const dim = base.dim;
const dir = mkdtempSync(join(tmpdir(), 'memvec-demo-'));
const row = (rows, i) => rows.data.subarray(i * dim, (i + 1) * dim);
const ms = (t0) => performance.now() - t0;

function recallAt10(answer) {
  let hits = 0;
  for (let q = 0; q < queries.count; q++) {
    const truth = new Set(groundtruth.data.subarray(q * groundtruth.dim, q * groundtruth.dim + K));
    hits += answer(q).filter((id) => truth.has(id)).length;
  }
  return hits / (queries.count * K);
}

/** Runs every query, five times over; reports the fastest pass (the least disturbed by other work). */
function searchAll(index, ef) {
  let results;
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now();
    results = Array.from({ length: queries.count }, (_, q) => index.search(row(queries, q), K, { ef }));
    best = Math.min(best, ms(t0));
  }
  return { results, micros: (best * 1000) / queries.count };
}

try {
  console.log(`memvec demo: ${base.count.toLocaleString()} SIFT descriptors (${dim}-d), ${queries.count} queries with exact groundtruth\n`);

  // 1. An HNSW index with string keys and JSON metadata.
  const index = await HnswIndex.create({ dimension: dim, metric: 'euclidean', M: 16, efConstruction: 200 });
  const keys = Array.from({ length: base.count }, (_, i) => `sift-${i}`);
  const metadata = keys.map((_, i) => ({ shard: i % 10 }));
  let t0 = performance.now();
  await index.batchInsert(base.data, keys, metadata);
  const buildMs = ms(t0);
  console.log(`HNSW (euclidean, M 16, efConstruction 200): built ${index.size().toLocaleString()} vectors in ${(buildMs / 1000).toFixed(2)} s`);

  const idOf = (r) => Number(r.key.slice(5));
  console.log('  ef    recall@10   µs/query   queries/s');
  for (const ef of [16, 32, 64, 128]) {
    const { results, micros } = searchAll(index, ef);
    const recall = recallAt10((q) => results[q].map(idOf));
    console.log(`  ${String(ef).padEnd(5)} ${recall.toFixed(3).padEnd(11)} ${micros.toFixed(0).padStart(8)}   ${Math.round(1e6 / micros).toLocaleString().padStart(9)}`);
  }

  const first = index.search(row(queries, 0), 3);
  console.log(`  query 0 → ${first.map((r) => `${r.key} (L2 ${r.distance.toFixed(1)}, shard ${r.metadata.shard})`).join(', ')}`);
  const filtered = index.search(row(queries, 0), 3, { filter: (_key, meta) => meta.shard === 7 });
  console.log(`  query 0, only shard 7 → ${filtered.map((r) => r.key).join(', ')}`);

  // 2. Save, reopen, and check the answers are the same.
  const indexPath = join(dir, 'sift.hnsw');
  t0 = performance.now();
  await index.save(indexPath);
  const saveMs = ms(t0);
  t0 = performance.now();
  const reopened = await HnswIndex.load(indexPath);
  const loadMs = ms(t0);
  const same = Array.from({ length: queries.count }, (_, q) => q).every((q) => {
    const a = index.search(row(queries, q), K);
    const b = reopened.search(row(queries, q), K);
    return a.length === b.length && a.every((r, i) => r.key === b[i].key && r.score === b[i].score);
  });
  console.log(`\nsaved to ${(statSync(indexPath).size / 2 ** 20).toFixed(1)} MiB in ${saveMs.toFixed(0)} ms, reopened in ${loadMs.toFixed(0)} ms: answers identical: ${same ? 'yes' : 'NO'}`);
  index.close();
  reopened.close();

  // 3. The exact store: every vector in one crash-safe file, searched by streaming it through WASM.
  const storePath = join(dir, 'sift.mvec');
  const db = await MemMapVector.open(storePath, { dimension: dim });
  t0 = performance.now();
  db.addVectors(base.data);
  const addMs = ms(t0);
  db.markDeleted([0, 1, 2]);
  t0 = performance.now();
  const exact = Array.from({ length: queries.count }, (_, q) => db.cosineSearch(row(queries, q), { topK: K }));
  const scanMs = ms(t0) / queries.count;
  const stat = db.stat();
  console.log(`\nexact store (cosine): ${stat.validVectors.toLocaleString()} live of ${stat.totalVectors.toLocaleString()} vectors, ` +
    `${(stat.fileSize / 2 ** 20).toFixed(1)} MiB file, added in ${addMs.toFixed(0)} ms, exact top-${K} in ${scanMs.toFixed(2)} ms per query`);
  console.log(`  query 0 → ${exact[0].slice(0, 3).map(([id, s]) => `#${id} (cosine ${s.toFixed(4)})`).join(', ')}`);
  const map = await db.compact();
  console.log(`  compacted: ${map.length.toLocaleString()} vectors kept, ${db.stat().reclaimableBytes} bytes reclaimable now`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
