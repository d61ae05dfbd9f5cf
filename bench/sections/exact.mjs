// Section 2: exact (brute-force) cosine top-k over clustered vectors: memvec's file-backed
// MemMapVector.cosineSearch vs a plain-JS scan vs usearch.exactSearch, one query at a time, 1 thread.
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
