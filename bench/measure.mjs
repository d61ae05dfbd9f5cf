// Query loops shared by the exact-scan and HNSW sections: latency per query, throughput over repeated
// passes, and recall@k against exact groundtruth. A handle is { prepare(query), search(prepared, k), ids(result) }.
import { median, now } from './timing.mjs';

const isThenable = (x) => x !== null && typeof x === 'object' && typeof x.then === 'function';

/** How many of the groundtruth top-k of query `qi` appear among the first k of `ids` (recall = hits / k). */
export function hitsOne(gt, qi, ids) {
  const k = gt.k;
  const truth = new Set(gt.ids.subarray(qi * k, (qi + 1) * k));
  let hits = 0;
  const seen = new Set();
  for (let i = 0; i < Math.min(k, ids.length); i++) {
    const id = ids[i];
    if (truth.has(id) && !seen.has(id)) hits++;
    seen.add(id);
  }
  return hits;
}

export function prepareQueries(handle, ds) {
  const out = [];
  for (let i = 0; i < ds.q; i++) out.push(handle.prepare(ds.queries.subarray(i * ds.dim, (i + 1) * ds.dim)));
  return out;
}

/**
 * Times queries one at a time (cycling through the query set) after one untimed warm-up query, until
 * at least `minReps` queries and `minMs` of timed work, or every query once. Recall covers the timed queries.
 */
export async function latency(handle, ds, gt, k, { minMs, minReps = 5 }) {
  const prepared = prepareQueries(handle, ds);
  const first = handle.search(prepared[0], k);
  const async = isThenable(first);
  if (async) await first;
  const samples = [];
  let total = 0;
  let hits = 0;
  for (let qi = 0; qi < ds.q && (qi < minReps || total < minMs); qi++) {
    const t0 = now();
    let r = handle.search(prepared[qi], k);
    if (async) r = await r;
    const dt = now() - t0;
    samples.push(dt);
    total += dt;
    hits += hitsOne(gt, qi, handle.ids(r));
  }
  return {
    msMedian: median(samples), msMin: Math.min(...samples), msMean: total / samples.length,
    queries: samples.length, recall: hits / (samples.length * gt.k),
  };
}

/**
 * Throughput: passes over all queries back to back, at least `minPasses` and until `minMs` of timed
 * work; the first pass's results give recall. The queries are timed in fixed chunks of `chunk`
 * consecutive queries; q/s = queries / Σ over chunks of that chunk's fastest time across passes: an
 * estimate of one undisturbed pass on a shared machine (each chunk is compared only with itself, so
 * easy queries are not favoured). `qpsMean` is the plain mean over all passes. One untimed warm-up
 * over the first few queries before timing.
 */
export async function throughput(handle, prepared, gt, k, { minMs, minPasses = 3, chunk = 25 }) {
  const q = prepared.length;
  const probe = handle.search(prepared[0], k);
  const async = isThenable(probe);
  if (async) await probe;
  for (let i = 0; i < Math.min(q, 20); i++) {
    const r = handle.search(prepared[i], k);
    if (async) await r;
  }
  const results = new Array(q);
  const chunks = Math.ceil(q / chunk);
  const best = new Float64Array(chunks).fill(Infinity);
  let total = 0;
  let passes = 0;
  let recall = NaN;
  while (passes < minPasses || total < minMs) {
    for (let c = 0; c < chunks; c++) {
      const end = Math.min(q, (c + 1) * chunk);
      const t0 = now();
      if (async) {
        for (let i = c * chunk; i < end; i++) results[i] = await handle.search(prepared[i], k);
      } else {
        for (let i = c * chunk; i < end; i++) results[i] = handle.search(prepared[i], k);
      }
      const dt = now() - t0;
      total += dt;
      if (dt < best[c]) best[c] = dt;
    }
    if (passes === 0) {
      let hits = 0;
      for (let i = 0; i < q; i++) hits += hitsOne(gt, i, handle.ids(results[i]));
      recall = hits / (q * gt.k);
    }
    passes++;
  }
  const bestTotal = best.reduce((a, b) => a + b, 0);
  return { qps: (q / bestTotal) * 1000, qpsMean: ((q * passes) / total) * 1000, recall, passes };
}
