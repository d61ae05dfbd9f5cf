// How the browser demo's choices were made, in Node on the same data: precision@20 of label agreement
// (the share of a query's 20 nearest neighbours, itself excluded, that share its label) for the vector
// encodings the page could use, by exact search; then memvec's HNSW build time and precision@20 for
// a few (M, efConstruction[, quantization]), with each snapshot's size and load time (the page's reload).
// Run: node examples/browser/scripts/measure.mjs [queries=300] [configs=16x200,16x100,12x64,8x32,8x32xi8]
// (a quantized config keeps no f32 originals, rerank: false, as the page does: the smallest snapshot)
// ('hnsw-only' as a third argument skips the slow exact pass; needs dist/: npm run build). Printed
// numbers are measured here; nothing is asserted.
import { HnswIndex, MemoryBackend } from '../../../dist/index.js';
import { COUNT, PIXELS, prepareData } from './prepare-data.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const QUERIES = Number(process.argv[2] ?? 300);
const N = COUNT;
const CONFIGS = (process.argv[3] ?? '16x200,16x100,12x64,8x32,8x32xi8').split(',').map((c) => {
  const [M, efConstruction, quantization = 'f32'] = c.split('x');
  return [Number(M), Number(efConstruction), quantization];
});
const EXACT = process.argv[4] !== 'hnsw-only';
const K = 20;
const dir = prepareData();
const images = new Uint8Array(readFileSync(join(dir, 'images.bin'))).subarray(0, N * PIXELS);
const labels = new Uint8Array(readFileSync(join(dir, 'labels.bin'))).subarray(0, N);
// Queries spread over the whole set (every N/QUERIES-th image), the same for every encoding.
const queryIds = Array.from({ length: QUERIES }, (_, q) => Math.floor((q * N) / QUERIES));

/** Unit-length float rows (cosine = dot), from `encode(pixel, i)`. */
function rows(encode) {
  const out = new Float32Array(N * PIXELS);
  for (let r = 0; r < N; r++) {
    let norm = 0;
    for (let i = 0; i < PIXELS; i++) {
      const v = encode(images[r * PIXELS + i], i);
      out[r * PIXELS + i] = v;
      norm += v * v;
    }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < PIXELS; i++) out[r * PIXELS + i] *= s;
  }
  return out;
}

function precisionExact(vecs) {
  let agree = 0;
  for (const q of queryIds) {
    const scores = new Float32Array(N);
    for (let r = 0; r < N; r++) {
      let dot = 0;
      for (let i = 0; i < PIXELS; i++) dot += vecs[q * PIXELS + i] * vecs[r * PIXELS + i];
      scores[r] = dot;
    }
    scores[q] = -Infinity;
    const top = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, K);
    agree += top.filter((r) => labels[r] === labels[q]).length;
  }
  return agree / (QUERIES * K);
}

const mean = new Float64Array(PIXELS);
for (let r = 0; r < N; r++) for (let i = 0; i < PIXELS; i++) mean[i] += images[r * PIXELS + i] / N;

const raw = rows((p) => p / 255);
if (EXACT) {
  console.log(`exact search, ${QUERIES} queries over ${N} images, precision@${K} of label agreement:`);
  console.log(`  raw pixels, cosine:             ${precisionExact(raw).toFixed(3)}`);
  console.log(`  mean-centred pixels, cosine:    ${precisionExact(rows((p, i) => (p - mean[i]) / 255)).toFixed(3)}`);
}

console.log(`memvec HnswIndex (cosine, raw pixels), build in Node and precision@${K} at ef 64:`);
for (const [M, efConstruction, quantization] of CONFIGS) {
  const quantized = quantization === 'f32' ? {} : { quantization, rerank: false };
  const index = await HnswIndex.create({ dimension: PIXELS, metric: 'cosine', M, efConstruction, ...quantized });
  const keys = Array.from({ length: N }, (_, i) => String(i));
  const t0 = performance.now();
  await index.batchInsert(raw, keys);
  const buildS = (performance.now() - t0) / 1000;
  let agree = 0;
  for (const q of queryIds) {
    const hits = index.search(raw.subarray(q * PIXELS, (q + 1) * PIXELS), K + 1, { ef: 64 }).filter((h) => h.key !== String(q)).slice(0, K);
    agree += hits.filter((h) => labels[Number(h.key)] === labels[q]).length;
  }
  const backend = new MemoryBackend();
  await index.save('/demo.hnsw', { backend });
  const t1 = performance.now();
  (await HnswIndex.load('/demo.hnsw', { backend })).close();
  const loadMs = performance.now() - t1;
  const mb = backend.getBytes('/demo.hnsw').length / 1e6;
  console.log(
    `  M ${M}, efConstruction ${efConstruction}, ${quantization}: build ${buildS.toFixed(1)} s, precision@${K} ${(agree / (QUERIES * K)).toFixed(3)}, ` +
      `snapshot ${mb.toFixed(0)} MB, load ${loadMs.toFixed(0)} ms`,
  );
  index.close();
}
