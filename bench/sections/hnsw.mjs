// Section 3: HNSW graph search, cosine metric for every library, M 16, efConstruction 200, 1 thread:
// build time, then recall@k and queries/s at each ef, plus queries/s interpolated at equal recall.
import * as hnswlib from '../peers/hnswlib.mjs';
import * as memvec from '../peers/memvec.mjs';
import * as usearch from '../peers/usearch.mjs';
import { prepareQueries, throughput } from '../measure.mjs';
import { BATCH_HEADERS, batchNote, batchVsLoop } from './hnsw-batch.mjs';
import { fixed, num, ratio, secs, table } from '../table.mjs';

/** ef values of the searchBatch comparison (those the run measures). */
const BATCH_EFS = [16, 64, 256];

const LIBS = [
  { id: 'memvec', mod: memvec, available: (p) => memvec.hasHnsw(p) || 'dist has no HnswIndex export yet' },
  { id: 'hnswlib', mod: hnswlib, available: () => true },
  { id: 'usearch', mod: usearch, available: () => true },
];

/** q/s at a target recall, linearly interpolated between the two ef points that bracket it. */
export function atRecall(points, target) {
  const pts = points.filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.qps));
  if (!pts.length) return { text: 'n/a' };
  const i = pts.findIndex((p) => p.recall >= target);
  if (i < 0) return { text: `not reached (max ${fixed(Math.max(...pts.map((p) => p.recall)), 3)})` };
  if (i === 0) return { text: `≥ ${num(pts[0].qps)} (ef ${pts[0].ef} already ${fixed(pts[0].recall, 3)})`, bound: pts[0].qps };
  const a = pts[i - 1];
  const b = pts[i];
  const t = b.recall === a.recall ? 1 : (target - a.recall) / (b.recall - a.recall);
  const qps = a.qps + t * (b.qps - a.qps);
  return { text: `${num(qps)} (ef ${a.ef}–${b.ef})`, qps };
}

export async function hnswSection({ datasets, peers, sizes, log, k }) {
  const params = { M: 16, efConstruction: 200, seed: 100 };
  const efs = sizes.efs;
  const out = [];
  out.push(`## 3. HNSW: cosine, M ${params.M}, efConstruction ${params.efConstruction}, k ${k}, 1 thread\n`);
  out.push(
    `Every library indexes the same raw (unnormalized) vectors with its own cosine metric: memvec \`metric: 'cosine'\`, ` +
      `hnswlib-node space \`'cosine'\`, usearch \`MetricKind.Cos\`; recall@${k} is against exact cosine groundtruth over all ` +
      `${datasets[0].q} held-out queries. Build: memvec \`batchInsert(flat, keys)\`; hnswlib-node \`addPoint\` in a loop ` +
      `(includes Array.from per vector; it is single-threaded); usearch \`add(keys, vectors, 1)\` (threads = 1). ` +
      `q/s: passes over all queries back to back (≥ 5 passes and ≥ ${sizes.hnswMinMs} ms per ef), timed in chunks of 25 ` +
      `queries; q/s = queries ÷ the sum over chunks of each chunk's fastest pass (an undisturbed pass on a shared machine; ` +
      `the mean over all passes is in the progress log). One query per call, single thread ` +
      `(usearch \`search(q, k, 1)\`; hnswlib-node gets queries pre-converted to number[] outside the timed loop). ` +
      `ef: memvec \`search(q, k, { ef })\`; hnswlib-node \`setEf(ef)\`; usearch fixes \`expansion_search\` when an Index is ` +
      `constructed, so the built index is saved once and, per ef, loaded into a new Index constructed with that ` +
      `expansion_search (same graph). Seeds: memvec ${params.seed}, hnswlib-node randomSeed ${params.seed}; usearch has none.\n`,
  );

  const buildRows = [];
  const efRows = [];
  const recallRows = [];
  const batchRows = [];
  const missing = new Set();
  for (const ds of datasets) {
    const res = {};
    for (const lib of LIBS) {
      const p = peers[lib.id];
      const label = p.error ? lib.mod.name : `${lib.mod.name} ${p.version}`;
      res[lib.id] = { label, points: [] };
      if (p.error) {
        res[lib.id].error = `not available: ${p.error}`;
        continue;
      }
      const avail = lib.available(p);
      if (avail !== true) {
        res[lib.id].error = `not available: ${avail}`;
        continue;
      }
      let h;
      try {
        log(`hnsw: ${ds.name} ${lib.mod.name} build`);
        h = await lib.mod.buildHnsw(p, ds, params);
        res[lib.id].buildMs = h.buildMs;
        res[lib.id].note = h.note;
        log(`hnsw: ${ds.name} ${lib.mod.name} built in ${secs(h.buildMs)}`);
        const prepared = prepareQueries(h, ds);
        for (const ef of efs) {
          await h.setEf(ef);
          const r = await throughput(h, prepared, ds.gt, k, { minMs: sizes.hnswMinMs, minPasses: 5 });
          res[lib.id].points.push({ ef, ...r });
          log(`hnsw: ${ds.name} ${lib.mod.name} ef ${ef}: recall ${fixed(r.recall, 4)}, ${num(r.qps)} q/s (fastest chunks), ${num(r.qpsMean)} mean of ${r.passes} passes`);
        }
        if (lib.id === 'memvec') {
          log(`hnsw: ${ds.name} memvec searchBatch vs a loop of search()`);
          const rows = await batchVsLoop(h, ds, k, { efs: BATCH_EFS.filter((e) => efs.includes(e)), minMs: 2 * sizes.hnswMinMs });
          if (rows) batchRows.push(...rows);
        }
      } catch (err) {
        res[lib.id].error = `failed: ${err?.message ?? err}`;
        log(`hnsw: ${ds.name} ${lib.mod.name} failed: ${err?.stack ?? err}`);
      } finally {
        try { await h?.close(); } catch { /* reported above if it matters */ }
        h = undefined;
      }
    }

    const hb = res.hnswlib.buildMs;
    for (const lib of LIBS) {
      const r = res[lib.id];
      if (r.error) missing.add(r.error.startsWith("not available") ? `${r.label}: ${r.error}` : `${r.label} on ${ds.name}: ${r.error}`);
      if (r.buildMs === undefined) {
        buildRows.push([ds.name, r.label, 'n/a']);
        continue;
      }
      buildRows.push([
        ds.name, r.label, secs(r.buildMs), num((ds.n / r.buildMs) * 1000), ratio(r.buildMs, hb), r.note,
      ]);
    }

    for (const ef of efs) {
      const cell = (id) => res[id].points.find((p) => p.ef === ef);
      const m = cell('memvec');
      const h = cell('hnswlib');
      const u = cell('usearch');
      const rq = (p) => (p ? [fixed(p.recall, 4), num(p.qps)] : ['n/a', 'n/a']);
      efRows.push([ds.name, ef, ...rq(m), ...rq(h), ...rq(u), ratio(m?.qps, h?.qps), ratio(m?.qps, u?.qps)]);
    }

    for (const target of sizes.recallTargets) {
      const m = atRecall(res.memvec.points, target);
      const h = atRecall(res.hnswlib.points, target);
      const u = atRecall(res.usearch.points, target);
      recallRows.push([ds.name, String(target), m.text, h.text, u.text, ratio(m.qps, h.qps), ratio(m.qps, u.qps)]);
    }
  }

  out.push(`### Build (single thread)\n`);
  out.push(table(['data', 'library', '>build time', '>inserts/s', '>time ÷ hnswlib-node', 'how'], buildRows));
  if (missing.size) out.push(`\nNot measured (n/a): ${[...missing].join('; ')}.`);
  out.push(`\n### Recall@${k} and queries/s per ef\n`);
  out.push(table(
    ['data', '>ef', '>memvec recall', '>memvec q/s', '>hnswlib-node recall', '>hnswlib-node q/s', '>usearch recall', '>usearch q/s',
      '>memvec ÷ hnswlib-node q/s', '>memvec ÷ usearch q/s'],
    efRows,
  ));
  out.push(`\n### Queries/s at equal recall (interpolated linearly between the bracketing ef points of this run)\n`);
  out.push(table(
    ['data', '>recall@' + k, 'memvec q/s', 'hnswlib-node q/s', 'usearch q/s', '>memvec ÷ hnswlib-node', '>memvec ÷ usearch'],
    recallRows,
  ));
  if (batchRows.length) {
    out.push(`\n### memvec searchBatch against a loop of search()\n`);
    out.push(`${batchNote(2 * sizes.hnswMinMs)}\n`);
    out.push(table(BATCH_HEADERS, batchRows));
  }
  return out.join('\n');
}
