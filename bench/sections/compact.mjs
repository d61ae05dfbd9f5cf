// Section 5: HnswIndex.compact() after churn. N live keys get 2,000 upserts (each a new vector for a
// random live key), so the graph holds N + 2,000 slots of which N are live. Measured: snapshot (save)
// bytes before and after compaction and of a fresh index of the same entries, the persistent file's
// bytes before and after, compaction time against building that fresh index (create + batchInsert of
// the live entries), and recall@k against exact cosine over the live entries, before and after.
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredVectors } from '../../data/synthetic.mjs';
import { fixed, num, ratio, table } from '../table.mjs';
import { now } from '../timing.mjs';

const UPSERTS = 2_000;
/** Timing rounds: compact() of a fresh copy of the churned index, then a fresh build; each's best is kept. */
const ROUNDS = 3;
// efSearch 16: low enough that recall is below 1 and a worse graph would show.
// threads: 1: this section times compact() and fresh builds on one thread, as before issue 11 made every
// core the default (HnswIndex.create, open and load below all get it).
const PARAMS = { metric: 'cosine', M: 16, efConstruction: 200, efSearch: 16, seed: 100, threads: 1 };

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** recall@k of `index` at its efSearch against exact cosine top-k over the live entries. */
function recall(index, live, queries, dim, k) {
  const keys = [...live.keys()];
  const vectors = [...live.values()];
  let hit = 0;
  for (let q = 0; q < queries.length / dim; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    const scores = vectors.map((v) => cosine(query, v));
    const exact = keys.map((_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, k).map((i) => keys[i]);
    const got = new Set(index.search(query, k).map((r) => r.key));
    hit += exact.filter((key) => got.has(key)).length;
  }
  return hit / ((queries.length / dim) * k);
}

async function snapshotBytes(api, index) {
  const backend = new api.MemoryBackend();
  await index.save('s', { backend });
  return backend.getBytes('s').length;
}

/**
 * The alternative compact() was weighed against, measured where it exists: hnswlib's slot reuse
 * (initIndex allowReplaceDeleted; each upsert = markDelete + addPoint(…, replaceDeleted)). The same
 * churn; recall@k of the reused graph and of a fresh hnswlib index of the live entries, and the cost
 * of one reusing upsert against one fresh insert.
 */
function hnswlibSlotReuse(lib, n, dim, row, upserts, live, queries, k) {
  const make = () => {
    const index = new lib.HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: n + 1, m: PARAMS.M, efConstruction: PARAMS.efConstruction, randomSeed: PARAMS.seed, allowReplaceDeleted: true });
    index.setEf(PARAMS.efSearch);
    return index;
  };
  const reuse = make();
  const labels = new Map();
  for (let i = 0; i < n; i++) {
    reuse.addPoint(Array.from(row(i)), i);
    labels.set(`k${i}`, i);
  }
  let label = n;
  let t = now();
  for (const [key, vector] of upserts) {
    reuse.markDelete(labels.get(key));
    reuse.addPoint(Array.from(vector), label, true);
    labels.set(key, label++);
  }
  const upsertMs = (now() - t) / upserts.length;
  const fresh = make();
  const freshLabels = new Map();
  t = now();
  for (const [key, vector] of live) {
    freshLabels.set(key, freshLabels.size);
    fresh.addPoint(Array.from(vector), freshLabels.get(key));
  }
  const insertMs = (now() - t) / live.size;
  const keys = [...live.keys()];
  const vectors = [...live.values()];
  const recallOf = (index, labelOf) => {
    let hit = 0;
    for (let q = 0; q < queries.length / dim; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const scores = vectors.map((v) => cosine(query, v));
      const exact = keys.map((_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, k).map((i) => labelOf.get(keys[i]));
      const got = new Set(index.searchKnn(Array.from(query), k).neighbors);
      hit += exact.filter((l) => got.has(l)).length;
    }
    return hit / ((queries.length / dim) * k);
  };
  return { recallReuse: recallOf(reuse, labels), recallFresh: recallOf(fresh, freshLabels), upsertMs, insertMs };
}

/** create + batchInsert of the live entries, in their order. */
async function freshBuild(api, dim, live) {
  const fresh = await api.HnswIndex.create({ dimension: dim, ...PARAMS });
  await fresh.batchInsert([...live].map(([key, vector]) => ({ key, vector })));
  return fresh;
}

export async function compactSection({ api, sizes, log, k, peers }) {
  const { HnswIndex } = api;
  const { lives, dim, queries: nq } = sizes.compact;
  const out = [
    `## 5. HnswIndex.compact() after churn: ${num(UPSERTS)} upserts over N live keys, ${dim}-d, cosine, M ${PARAMS.M}, efConstruction ${PARAMS.efConstruction}\n`,
    `Each upsert gives a random live key a new vector (insert() one at a time; the persistent index gets the same ` +
      `upserts in batches of 100). Snapshot: bytes of save(). Fresh: HnswIndex.create + batchInsert of the live entries ` +
      `in the order compact() re-inserts them (each key's last write). File: the persistent index (HnswIndex.open, ` +
      `default checkpoints) before and after compact(). Recall@${k} at ef ${PARAMS.efSearch} against exact cosine over ` +
      `the live entries, ${nq} held-out queries. Times, single thread: the best of ${ROUNDS} alternating rounds of compact() ` +
      `(of a copy of the churned index, loaded from its snapshot) and of the fresh build; the file's compact() runs once.\n`,
  ];
  const rows = [];
  const timeRows = [];
  const reuseRows = [];
  const hnswlib = peers?.hnswlib;
  for (const n of lives) {
    log(`compact: N ${num(n)}`);
    const data = clusteredVectors(n + UPSERTS + nq, dim, 50, 4242);
    const row = (i) => data.subarray(i * dim, (i + 1) * dim);
    const queries = data.subarray((n + UPSERTS) * dim);
    const index = await HnswIndex.create({ dimension: dim, ...PARAMS });
    await index.batchInsert(data.subarray(0, n * dim), Array.from({ length: n }, (_, i) => `k${i}`));
    /** key -> vector, in the order of each key's last write. */
    const live = new Map(Array.from({ length: n }, (_, i) => [`k${i}`, row(i)]));
    const upserts = Array.from({ length: UPSERTS }, (_, u) => [`k${(u * 7919 + 13) % n}`, row(n + u)]);
    for (const [key, vector] of upserts) {
      index.insert(key, vector);
      live.delete(key);
      live.set(key, vector);
    }

    const snapBefore = await snapshotBytes(api, index);
    const recallBefore = recall(index, live, queries, dim, k);
    // Copies of the churned index for the timing rounds (load() keeps the graph and its generator).
    const churned = new api.MemoryBackend();
    await index.save('churned', { backend: churned });
    const { reclaimed } = await index.compact();
    const snapAfter = await snapshotBytes(api, index);
    const recallAfter = recall(index, live, queries, dim, k);
    const fresh = await freshBuild(api, dim, live);
    const snapFresh = await snapshotBytes(api, fresh);

    let compactMs = Infinity;
    let freshMs = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      const copy = await HnswIndex.load('churned', { backend: churned, threads: PARAMS.threads });
      let t = now();
      await copy.compact();
      compactMs = Math.min(compactMs, now() - t);
      copy.close();
      t = now();
      (await freshBuild(api, dim, live)).close();
      freshMs = Math.min(freshMs, now() - t);
    }
    const recallFresh = recall(fresh, live, queries, dim, k);
    fresh.close();
    index.close();

    // The persistent index: the same churn, committed in batches of 100 upserts.
    const path = join(tmpdir(), `memvec-bench-compact-${process.pid}-${n}.mvhi`);
    rmSync(path, { force: true });
    let fileBefore;
    let fileAfter;
    let fileCompactMs;
    try {
      const file = await HnswIndex.open(path, { dimension: dim, ...PARAMS });
      await file.batchInsert(data.subarray(0, n * dim), Array.from({ length: n }, (_, i) => `k${i}`));
      for (let b = 0; b < UPSERTS; b += 100) await file.batchInsert(upserts.slice(b, b + 100).map(([key, vector]) => ({ key, vector })));
      fileBefore = statSync(path).size;
      const t = now();
      await file.compact();
      fileCompactMs = now() - t;
      fileAfter = statSync(path).size;
      file.close();
    } finally {
      rmSync(path, { force: true });
    }
    log(`compact: N ${num(n)}: reclaimed ${reclaimed}, ${num(compactMs)} ms vs fresh ${num(freshMs)} ms`);

    rows.push([
      num(n), num(reclaimed), num(snapBefore), num(snapAfter), num(snapFresh), ratio(snapAfter, snapFresh),
      num(fileBefore), num(fileAfter), fixed(recallBefore, 4), fixed(recallAfter, 4), fixed(recallFresh, 4),
    ]);
    timeRows.push([num(n), `${num(compactMs)} ms`, `${num(freshMs)} ms`, ratio(compactMs, freshMs), `${num(fileCompactMs)} ms`]);
    if (hnswlib && !hnswlib.error) {
      log(`compact: N ${num(n)}: hnswlib-node slot reuse`);
      const r = hnswlibSlotReuse(hnswlib.lib, n, dim, row, upserts, live, queries, k);
      reuseRows.push([
        num(n), fixed(r.recallFresh, 4), fixed(r.recallReuse, 4), `${num(r.upsertMs)} ms`, `${num(r.insertMs)} ms`, ratio(r.upsertMs, r.insertMs),
      ]);
    }
  }
  out.push(table(
    ['>N live', '>slots reclaimed', '>snapshot before', '>snapshot after', '>snapshot fresh', '>after ÷ fresh',
      '>file before', '>file after', '>recall before', '>recall after', '>recall fresh'],
    rows,
  ));
  out.push(`\n### Time: compact() against a fresh build of the same entries\n`);
  out.push(table(['>N live', '>compact() in memory', '>fresh build', '>compact ÷ fresh', '>compact() of the file'], timeRows));
  out.push(
    `\n### The alternative: slot reuse, as hnswlib-node does it (allowReplaceDeleted)\n\n` +
      `The same churn on hnswlib-node ${hnswlib?.version ?? ''} with each upsert as markDelete + addPoint(…, replaceDeleted): ` +
      `the graph never grows, but is it as good as a fresh one? Recall@${k} at ef ${PARAMS.efSearch} (same queries and ` +
      `exact answers as above) of that graph and of a fresh hnswlib-node index of the live entries, and the time of ` +
      `one reusing upsert against one insert into the fresh index.\n`,
  );
  out.push(reuseRows.length
    ? table(['>N live', '>recall fresh', '>recall after reuse', '>reusing upsert', '>fresh insert', '>upsert ÷ insert'], reuseRows)
    : `hnswlib-node not available: ${hnswlib?.error ?? 'not loaded'}`);
  return out.join('\n');
}
