// Part of section 3: memvec's searchBatch (one engine call for all queries) against a loop of
// search() over the same queries and the same built index, at a few ef values. Rounds alternate
// (loop, batch, loop, batch, ...) and each side keeps its best round: on a shared machine one pass
// each swings too much to compare (see /work/shared/RECIPES.md, "the hidden weak spot").
import { fixed, num, ratio } from '../table.mjs';

/** True if both give the same keys and scores for every query. */
function sameResults(a, b) {
  if (a.length !== b.length) return false;
  return a.every((ra, i) => ra.length === b[i].length && ra.every((r, j) => r.key === b[i][j].key && r.score === b[i][j].score));
}

/**
 * Rows [data, ef, queries, loop q/s, batch q/s, batch ÷ loop, results] for the memvec handle `h`
 * (bench/peers/memvec.mjs buildHnsw), or null if it has no searchBatch.
 */
export async function batchVsLoop(h, ds, k, { efs, minRounds = 9, minMs }) {
  if (typeof h.searchBatch !== 'function' || typeof h.searchRaw !== 'function') return null;
  const { q, dim, queries } = ds;
  const rows = [];
  for (const ef of efs) {
    await h.setEf(ef);
    const loop = () => {
      const out = new Array(q);
      for (let i = 0; i < q; i++) out[i] = h.searchRaw(queries.subarray(i * dim, (i + 1) * dim), k);
      return out;
    };
    const batch = () => h.searchBatch(queries, k);
    const same = sameResults(loop(), batch());
    let bestLoop = Infinity;
    let bestBatch = Infinity;
    const started = performance.now();
    for (let round = 0; round < minRounds || performance.now() - started < minMs; round++) {
      let t0 = performance.now();
      loop();
      bestLoop = Math.min(bestLoop, performance.now() - t0);
      t0 = performance.now();
      batch();
      bestBatch = Math.min(bestBatch, performance.now() - t0);
    }
    const loopQps = (q / bestLoop) * 1000;
    const batchQps = (q / bestBatch) * 1000;
    rows.push([ds.name, ef, q, num(loopQps), num(batchQps), ratio(batchQps, loopQps), same ? 'identical' : 'DIFFERENT']);
  }
  return rows;
}

export const BATCH_HEADERS = ['data', '>ef', '>queries', '>loop of search() q/s', '>searchBatch q/s', '>batch ÷ loop', 'results'];

export function batchNote(minMs) {
  return `memvec only, on the index built above: \`searchBatch(flat, k, { ef })\` (all held-out queries in one call, ` +
    `one call into the WASM engine) against \`for (q of queries) search(q, k, { ef })\`. Alternating rounds ` +
    `(≥ 9 and ≥ ${fixed(minMs / 1000, 1)} s per ef), each side's best round; "results" checks that both gave the same keys and scores.`;
}
