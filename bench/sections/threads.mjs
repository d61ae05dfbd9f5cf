// Section 9 (`--only=threads`): issue 11's goals, 1 thread against 2 in one run. HnswIndex build
// (batchInsert) time and recall, searchBatch q/s, and MemMapVector's exact scan. The machine is shared:
// the two sides always take turns (round after round, the order swapped every round) and each keeps
// its best round, so a quiet moment helps both alike and a busy one is not charged to one side only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredDataset, fmtCount } from '../data.mjs';
import { hitsOne } from '../measure.mjs';
import { randomVectors } from '../../data/synthetic.mjs';
import { fixed, num, ratio, secs, table } from '../table.mjs';
import { median, now } from '../timing.mjs';

/** The thread count the goals are for (this machine has 2 cores). */
const T = 2;
/** Section 3's graph parameters, so the 1-thread build here is section 3's memvec build. */
const PARAMS = { metric: 'cosine', M: 16, efConstruction: 200, efSearch: 50, seed: 100 };
const GOALS = { buildRatio: 0.6, recallDrop: 0.005, batchSpeedup: 1.7, scanSpeedup: 1.6 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Workers start lazily and their first call runs on the calling thread: one untimed call, then time to start. */
const WORKER_START_MS = 300;

/** `order(r)` for round r: 0, 1, 2 ... then rotated by one each round, so no side always goes first. */
const rotation = (n, r) => Array.from({ length: n }, (_, i) => (i + r) % n);

const goal = (ok) => (ok ? 'met' : 'missed');

/** CPU milliseconds of this process so far, every thread (workers included: getrusage of the process). */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Cores a side really got: its CPU time ÷ its wall time, over all its rounds. Near T for the T-thread
 * side when the machine was free for it; lower means other processes (or idle waits) took the cores.
 */
const coresUsed = (cpu, wall) => fixed(cpu / wall, 2);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** Recall@k of `index` over ds's held-out queries at `ef`, one search() per query (the calling thread). */
function recallOf(index, ds, k, ef) {
  let hits = 0;
  for (let qi = 0; qi < ds.q; qi++) {
    const r = index.search(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim), k, { ef });
    hits += hitsOne(ds.gt, qi, r.map((x) => Number(x.key)));
  }
  return hits / (ds.q * k);
}

/** The same keys and scores for every query of two searchBatch answers. */
function sameBatch(a, b) {
  return a.length === b.length && a.every((ra, i) => ra.length === b[i].length && ra.every((x, j) => x.key === b[i][j].key && x.score === b[i][j].score));
}

/** The same [id, score] pairs, in the same order, for two cosineSearch answers. */
function sameScan(a, b) {
  return a.length === b.length && a.every(([id, score], i) => id === b[i][0] && score === b[i][1]);
}

/**
 * Builds ds with 1 and with T threads, `rounds` times each, alternating. Returns the best time and
 * every build's recall per side, and the last T-thread index (open, for the searchBatch part).
 */
async function builds(lib, ds, { rounds, ef, k, log }) {
  const keys = Array.from({ length: ds.n }, (_, i) => String(i));
  const sides = { 1: { ms: [], recall: [], cpu: 0 }, [T]: { ms: [], recall: [], cpu: 0 } };
  let kept;
  for (let r = 0; r < rounds; r++) {
    for (const i of rotation(2, r)) {
      const threads = i === 0 ? 1 : T;
      // Timed as section 3 times a build: create + batchInsert. For T threads that includes starting the
      // new index's workers (its first batchInsert does), as a user's first batch would.
      const c0 = cpuMs();
      const t0 = now();
      const index = await lib.HnswIndex.create({ dimension: ds.dim, ...PARAMS, threads });
      await index.batchInsert(ds.base, keys);
      const ms = now() - t0;
      sides[threads].cpu += cpuMs() - c0;
      const recall = recallOf(index, ds, k, ef);
      sides[threads].ms.push(ms);
      sides[threads].recall.push(recall);
      log(`threads: ${ds.name} build round ${r + 1}/${rounds}, ${threads} thread${threads > 1 ? 's' : ''}: ${secs(ms)}, recall@${k} ef ${ef} ${fixed(recall, 4)}`);
      if (threads === T) {
        kept?.close();
        kept = index;
      } else {
        index.close();
      }
    }
  }
  return { sides, index: kept };
}

/**
 * searchBatch on one graph, the T-thread build: loaded into a threads: 1 index (the single-threaded
 * engine, as before issue 11), and on the T-thread index with { threads: 1 } and { threads: T }.
 */
async function batches(lib, ds, index, { queries, ef, k, rounds, log }) {
  const nq = queries.length / ds.dim;
  const backend = new lib.MemoryBackend();
  await index.save('graph', { backend });
  const single = await lib.HnswIndex.load('graph', { backend, threads: 1 });
  try {
    const variants = [
      { label: 'threads: 1 index', run: () => single.searchBatch(queries, k, { ef }) },
      { label: `${T}-thread index, { threads: 1 }`, run: () => index.searchBatch(queries, k, { ef, threads: 1 }) },
      { label: `${T}-thread index, { threads: ${T} }`, run: () => index.searchBatch(queries, k, { ef, threads: T }) },
    ];
    return { nq, ...(await timeBatches(variants, rounds, `${ds.name} searchBatch`, nq, log)) };
  } finally {
    single.close();
  }
}

/**
 * Times searchBatch variants that must all answer alike: a warm-up call each (the first parallel one
 * starts the workers, if nothing has, and runs alone), then `rounds` rounds taking turns. Returns the
 * best and the median-round q/s per variant, whether they answered alike, and the cores each used.
 */
async function timeBatches(variants, rounds, what, nq, log) {
  for (const v of variants) v.run();
  await sleep(WORKER_START_MS);
  const ref = variants[0].run();
  const same = variants.every((v) => sameBatch(ref, v.run()));
  if (!same) log(`threads: ${what}: DIFFERENT results on 1 and ${T} threads`);
  const best = variants.map(() => Infinity);
  const all = variants.map(() => []);
  const cpu = variants.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const i of rotation(variants.length, r)) {
      const c0 = cpuMs();
      const t0 = now();
      variants[i].run();
      const ms = now() - t0;
      cpu[i] += cpuMs() - c0;
      all[i].push(ms);
      best[i] = Math.min(best[i], ms);
    }
  }
  const qps = best.map((ms) => (nq / ms) * 1000);
  const medQps = all.map((xs) => (nq / median(xs)) * 1000);
  log(`threads: ${what} best q/s ${qps.map((x) => num(x)).join(' / ')} (median rounds ${medQps.map((x) => num(x)).join(' / ')})`);
  const cores = all.map((xs, i) => coresUsed(cpu[i], sum(xs)));
  return { qps, medQps, same, cores };
}

/** The object filters of the filtered searchBatch, on metadata { part: i % 10 }: by share of entries kept. */
const FILTERS = [
  { label: '50 %', filter: { part: { $lt: 5 } } },
  { label: '10 %', filter: { part: 3 } },
];

/**
 * searchBatch with an object filter (evaluated in the engine, so it runs on the workers too): a
 * T-thread build of ds with metadata { part: i % 10 } (not timed), searched with { threads: 1 } and
 * { threads: T } per filter. Returns one table row per filter.
 */
async function filteredBatches(lib, ds, queries, { ef, k, rounds, log }) {
  const nq = queries.length / ds.dim;
  const index = await lib.HnswIndex.create({ dimension: ds.dim, ...PARAMS, threads: T });
  try {
    const keys = Array.from({ length: ds.n }, (_, i) => String(i));
    await index.batchInsert(ds.base, keys, keys.map((_, i) => ({ part: i % 10 })));
    const rows = [];
    for (const { label, filter } of FILTERS) {
      const variants = [1, T].map((threads) => ({ run: () => index.searchBatch(queries, k, { ef, filter, threads }) }));
      const b = await timeBatches(variants, rounds, `${ds.name} searchBatch filtered to ${label}`, nq, log);
      rows.push([
        ds.name, label, num(nq), ef, num(b.qps[0]), num(b.qps[1]), ratio(b.qps[1], b.qps[0]), ratio(b.medQps[1], b.medQps[0]),
        b.cores.join(' / '), b.same ? 'identical' : 'DIFFERENT',
      ]);
    }
    return rows;
  } finally {
    index.close();
  }
}

/** Writes an n × dim store of seeded uniform vectors in `dir`, in chunks of addVectors. */
async function writeStore(lib, path, { n, dim, chunk }) {
  const w = await lib.MemMapVector.open(path, { dimension: dim, threads: 1 });
  try {
    for (let i = 0; i < n; i += chunk) w.addVectors(randomVectors(Math.min(chunk, n - i), dim, 9000 + i));
  } finally {
    w.close();
  }
}

/**
 * The exact scan of one file: a store opened with threads: 1 (the single-threaded engine, as before),
 * and one opened with threads: T searched with { threads: 1 } and { threads: T }. Every answer of every
 * round must equal the first answer of the threads: 1 store (else this throws: a wrong parallel merge).
 */
async function scans(lib, { n, dim, queries: nq, rounds, chunk }, { k, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-bench-threads-'));
  const path = join(dir, `scan-${n}x${dim}.mvec`);
  const stores = [];
  try {
    log(`threads: writing the ${fmtCount(n)} × ${dim} store in ${dir}`);
    const t0 = now();
    await writeStore(lib, path, { n, dim, chunk });
    const writeMs = now() - t0;
    const one = await lib.MemMapVector.open(path, { readOnly: true, threads: 1 });
    stores.push(one);
    const many = await lib.MemMapVector.open(path, { readOnly: true, threads: T });
    stores.push(many);
    const qs = randomVectors(nq, dim, 4242);
    const query = (i) => qs.subarray(i * dim, (i + 1) * dim);
    // minScore −1 keeps every candidate (uniform vectors: half the scores are negative), as section 2.
    const opts = { topK: k, minScore: -1 };
    const variants = [
      { label: 'threads: 1 store', run: (q) => one.cosineSearch(q, opts) },
      { label: `${T}-thread store, { threads: 1 }`, run: (q) => many.cosineSearch(q, { ...opts, threads: 1 }) },
      { label: `${T}-thread store, { threads: ${T} }`, run: (q) => many.cosineSearch(q, { ...opts, threads: T }) },
    ];
    // Warm-up: page cache and JIT, and the first large threaded search starts the workers (and runs alone).
    for (const v of variants) v.run(query(0));
    await sleep(WORKER_START_MS);
    const truth = Array.from({ length: nq }, (_, i) => variants[0].run(query(i)));
    const best = variants.map(() => Infinity);
    const all = variants.map(() => []);
    const cpu = variants.map(() => 0);
    const answers = new Array(nq);
    let compared = 0;
    for (let r = 0; r < rounds; r++) {
      for (const vi of rotation(variants.length, r)) {
        const c0 = cpuMs();
        const t = now();
        for (let i = 0; i < nq; i++) answers[i] = variants[vi].run(query(i));
        const ms = now() - t;
        cpu[vi] += cpuMs() - c0;
        all[vi].push(ms);
        best[vi] = Math.min(best[vi], ms);
        // Outside the timed loop: every answer against the threads: 1 store's.
        for (let i = 0; i < nq; i++) {
          if (!sameScan(truth[i], answers[i])) {
            throw new Error(
              `threads section: ${variants[vi].label} gave a different top-${k} than the threads: 1 store for query ${i} ` +
                `(round ${r + 1}): ${JSON.stringify(answers[i])} vs ${JSON.stringify(truth[i])}`,
            );
          }
          compared++;
        }
      }
    }
    const perQuery = best.map((ms) => ms / nq);
    const medPerQuery = all.map((xs) => median(xs) / nq);
    log(`threads: scan best ms/query ${perQuery.map((x) => fixed(x, 2)).join(' / ')} (median rounds ${medPerQuery.map((x) => fixed(x, 2)).join(' / ')})`);
    const cores = all.map((xs, i) => coresUsed(cpu[i], sum(xs)));
    return { writeMs, perQuery, medPerQuery, compared, cores };
  } finally {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function threadsSection({ datasets, peers, sizes, log, k }) {
  const title = `## 9. Threads (issue 11): 1 thread against ${T}\n`;
  const mv = peers.memvec;
  if (mv.error || typeof mv.lib.HnswIndex?.create !== 'function') return `${title}\nmemvec not available: ${mv.error ?? 'no HnswIndex'}`;
  const lib = mv.lib;
  const s = sizes.threads;
  const info = await lib.engineInfo();

  const buildRows = [];
  const batchRows = [];
  const filteredRows = [];
  for (const ds of datasets) {
    log(`threads: ${ds.name} builds, ${s.buildRounds} rounds per side`);
    const { sides, index } = await builds(lib, ds, { rounds: s.buildRounds, ef: s.ef, k, log });
    try {
      const t1 = Math.min(...sides[1].ms);
      const t2 = Math.min(...sides[T].ms);
      const r1 = sides[1].recall;
      const r2 = sides[T].recall;
      const drop = Math.max(...r1) - Math.min(...r2);
      const range = (xs) => (Math.min(...xs) === Math.max(...xs) ? fixed(xs[0], 4) : `${fixed(Math.min(...xs), 4)}–${fixed(Math.max(...xs), 4)}`);
      buildRows.push([
        ds.name, secs(t1), secs(t2), `${ratio(t2, t1)} (${goal(t2 / t1 <= GOALS.buildRatio)})`,
        range(r1), range(r2), `${fixed(drop, 4)} (${goal(drop <= GOALS.recallDrop)})`,
        `${coresUsed(sides[1].cpu, sum(sides[1].ms))} / ${coresUsed(sides[T].cpu, sum(sides[T].ms))}`,
      ]);

      // The held-out stream continued to s.batchQueries queries (its first ds.q are ds's own queries).
      const bq = clusteredDataset({ n: ds.n, queries: s.batchQueries, dim: ds.dim, clusters: ds.clusters, seed: ds.seed }).queries;
      log(`threads: ${ds.name} searchBatch of ${num(s.batchQueries)} queries, ${s.batchRounds} rounds`);
      const b = await batches(lib, ds, index, { queries: bq, ef: s.ef, k, rounds: s.batchRounds, log });
      batchRows.push([
        ds.name, num(b.nq), s.ef, num(b.qps[0]), num(b.qps[1]), num(b.qps[2]),
        `${ratio(b.qps[2], b.qps[0])} (${goal(b.qps[2] / b.qps[0] >= GOALS.batchSpeedup)})`,
        ratio(b.qps[2], b.qps[1]), ratio(b.medQps[2], b.medQps[0]), b.cores.join(' / '), b.same ? 'identical' : 'DIFFERENT',
      ]);
      log(`threads: ${ds.name} filtered searchBatch (a ${T}-thread build with metadata), ${s.batchRounds} rounds`);
      filteredRows.push(...(await filteredBatches(lib, ds, bq, { ef: s.ef, k, rounds: s.batchRounds, log })));
    } finally {
      index?.close();
    }
  }

  log(`threads: exact scan ${fmtCount(s.scan.n)} × ${s.scan.dim}, ${s.scan.rounds} rounds of ${s.scan.queries} queries`);
  const sc = await scans(lib, s.scan, { k, log });
  const gbs = (ms) => fixed((s.scan.n * s.scan.dim * 4) / ms / 1e6, 1);
  const scanRow = [
    `${fmtCount(s.scan.n)} × ${s.scan.dim} f32`, s.scan.queries, ...sc.perQuery.map((ms) => fixed(ms, 2)),
    `${ratio(sc.perQuery[0], sc.perQuery[2])} (${goal(sc.perQuery[0] / sc.perQuery[2] >= GOALS.scanSpeedup)})`,
    ratio(sc.perQuery[1], sc.perQuery[2]), ratio(sc.medPerQuery[0], sc.medPerQuery[2]), `${gbs(sc.perQuery[0])} / ${gbs(sc.perQuery[2])}`,
    sc.cores.join(' / '),
    `identical (${num(sc.compared)} answers)`,
  ];

  const out = [title];
  out.push(
    `memvec only. "1 thread" is an index or store created with \`threads: 1\`: the single-threaded engine, exactly ` +
      `the path of the other sections and of memvec before issue 11. "${T} threads" is one created with ` +
      `\`threads: ${T}\` (the threads build on a shared WebAssembly.Memory; the calling thread and ${T - 1} worker). ` +
      `The sides take turns round after round, the order rotated each round, and each keeps its best round: ` +
      `the machine is shared, and load from other processes costs the ${T}-thread side most (it needs both cores ` +
      `at once), so the "median rounds" columns show how noisy the run was. "Cores used" = the process's CPU time ` +
      `(every thread, workers included) ÷ wall time over all of a side's rounds: about ${T} when the ${T}-thread side ` +
      `really had ${T} cores, lower when other processes took them (or a thread waited).\n`,
  );
  out.push(`### Build: create + batchInsert(flat, keys), section 3's data and parameters\n`);
  out.push(
    `M ${PARAMS.M}, efConstruction ${PARAMS.efConstruction}, seed ${PARAMS.seed}, cosine; ${s.buildRounds} builds per side, ` +
      `best time. The ${T}-thread time includes starting the new index's workers (its first batchInsert does). ` +
      `Recall@${k} of every build at ef ${s.ef} against the exact groundtruth of section 3 (${datasets[0]?.q} held-out ` +
      `queries, one search() each); the ${T}-thread builds need not be identical (insert order across threads varies), ` +
      `so their range over the rounds is shown. Recall drop = best 1-thread recall − worst ${T}-thread recall. ` +
      `Goals: time ÷ ≤ ${GOALS.buildRatio}, drop ≤ ${GOALS.recallDrop}.\n`,
  );
  out.push(table(
    ['data', '>1 thread', `>${T} threads`, `>${T} ÷ 1 time`, `>recall@${k} 1 thread`, `>recall@${k} ${T} threads`, '>recall drop', `>cores used 1 / ${T}`],
    buildRows,
  ));
  out.push(`\n### searchBatch on the ${T}-thread build\n`);
  out.push(
    `${num(s.batchQueries)} held-out queries (the clustered stream continued past section 3's ${datasets[0]?.q}), ` +
      `one \`searchBatch(queries, ${k}, { ef: ${s.ef} })\` per round, ${s.batchRounds} rounds per variant. One graph for ` +
      `all three: the last ${T}-thread build, also saved and loaded into a \`threads: 1\` index (the single-threaded ` +
      `engine). Goal: ${T} threads ÷ the threads: 1 index ≥ ${GOALS.batchSpeedup}×. "results": every variant gave the ` +
      `same keys and scores.\n`,
  );
  out.push(table(
    ['data', '>queries', '>ef', '>q/s threads: 1 index', `>q/s ${T}-thread index, 1 thread`, `>q/s ${T} threads`,
      `>${T} threads ÷ threads: 1 index`, `>${T} ÷ 1 on the ${T}-thread index`, '>median rounds ÷', '>cores used (3 variants)', 'results'],
    batchRows,
  ));
  out.push(`\n### searchBatch with an object filter\n`);
  out.push(
    `The same queries, on another ${T}-thread build of the same data and parameters with metadata \`{ part: i % 10 }\` ` +
      `(its build not timed), searched with \`{ ef: ${s.ef}, filter, threads }\`: \`{ part: { $lt: 5 } }\` keeps 50 % of ` +
      `the entries, \`{ part: 3 }\` 10 %. The engine evaluates an object filter itself, so the workers run it too ` +
      `(a function filter is JS, and runs on the calling thread). ${s.batchRounds} rounds per variant, taking turns.\n`,
  );
  out.push(table(
    ['data', 'kept', '>queries', '>ef', '>q/s 1 thread', `>q/s ${T} threads`, `>${T} ÷ 1`, '>median rounds ÷', '>cores used 1 / ' + T, 'results'],
    filteredRows,
  ));
  out.push(`\n### Exact scan: MemMapVector.cosineSearch, top-${k}, one query at a time\n`);
  out.push(
    `One file of seeded uniform vectors in a temp dir (written with addVectors in chunks of ${num(s.scan.chunk)}: ` +
      `${secs(sc.writeMs)}; page-cached), opened read-only twice: with \`threads: 1\` and with \`threads: ${T}\` (searched ` +
      `with \`{ threads: 1 }\` and \`{ threads: ${T} }\`). minScore −1. A round = ${s.scan.queries} queries on one variant; ` +
      `${s.scan.rounds} rounds per variant; ms / query = best round ÷ ${s.scan.queries}. Every answer of every round ` +
      `was checked against the threads: 1 store's (ids and scores; the section fails on any difference). ` +
      `Goal: speed-up ≥ ${GOALS.scanSpeedup}×.\n`,
  );
  out.push(table(
    ['data', '>queries / round', '>ms / query threads: 1 store', `>ms / query ${T}-thread store, 1 thread`, `>ms / query ${T} threads`,
      `>speed-up ${T} threads ÷ threads: 1 store`, `>speed-up on the ${T}-thread store`, '>median rounds speed-up', '>GB/s 1 / ' + T,
      '>cores used (3 variants)', 'results'],
    [scanRow],
  ));
  out.push(
    `\nThreads on this machine: engineInfo().threads = ${info.threads} (${info.threadsReason}); ` +
      `engine ${info.wasm}, delivery ${info.delivery}. Without a \`threads\` option an index or store uses that many.`,
  );
  return out.join('\n');
}
