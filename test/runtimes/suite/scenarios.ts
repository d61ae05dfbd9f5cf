/**
 * THE shared runtime suite: what memvec must do in every runtime it claims, run against the installed
 * package (never the source tree). It runs unchanged in Node (ESM and CommonJS, with and without WASM
 * SIMD), Bun, Deno, Chromium (a page and a dedicated Worker on OPFS) and workerd, so it imports nothing
 * at run time: the memvec module under test is handed in, and the assertions are ./check.ts.
 *
 * Runtime-level scenarios run once per runtime; backend-level ones once per storage backend the runtime
 * offers. test/runtimes/*.runtime.ts turn each result into one vitest test.
 */
// The published types (dist/index.d.ts through the package's own exports): what users compile against.
import type * as Memvec from 'memvec';
import { clusteredVectors, randomVectors } from '../../support/random.js';
import { refCosine, refCosineTopK } from '../../support/reference.js';
import { close, equal, ok, throwsCode } from './check.js';
import { row, withDeleted } from '../../support/rows.js';

export type MemvecModule = typeof Memvec;
type EngineInfo = Awaited<ReturnType<MemvecModule['engineInfo']>>;

export interface BackendUnderTest {
  /** A backend name as users pass it: 'mmap', 'fs', 'deno', 'opfs', 'memory'. */
  name: Memvec.BackendName;
  /** A fresh path for a new file on that backend. */
  path(name: string): string;
}

export interface SuiteEnv {
  memvec: MemvecModule;
  backends: BackendUnderTest[];
  /** A fresh path for a file on the runtime's default backend (no `backend` option given). */
  defaultPath(name: string): string;
  /** When the runtime can see its default storage directly: whether `path` is there. */
  defaultStorageHas?(path: string): Promise<boolean>;
  /** What engineInfo() must say in this runtime. */
  expect: EngineInfo;
  /** Backends this build must refuse with UNSUPPORTED (the Node-only ones in browser and edge builds). */
  unsupportedBackends?: Memvec.BackendName[];
  /** Built by Node with the same package (./fixtures.ts), handed over as bytes. */
  fixtures: Fixtures;
  /**
   * A count that grows when memvec starts a worker thread, where the runtime can see one: the
   * worker_threads Workers created (process 'worker' events) in Node, Bun and Deno, the memvec workers
   * that reported ready in Chromium (entries/worker-census.ts). Proof that a threaded call really ran on workers, which
   * engineInfo() cannot give: a worker that fails to start makes memvec fall back to one thread.
   */
  threadsStarted?(): number | undefined;
}

/** Where threads are expected: that worker threads started since `before` (nothing to check where they cannot be counted). */
function checkWorkersStarted(env: SuiteEnv, before: number | undefined, what: string): void {
  const after = env.threadsStarted?.();
  if (env.expect.threads > 1 && before !== undefined && after !== undefined) {
    ok(after > before, `${what} started worker threads: the count was ${before} before, ${after} after`);
  }
}

/** The portable files buildFixtures makes: an f32 store, the same store with f16 and with i8 vectors, an index in f32 and in i8. */
export interface Fixtures {
  store: Uint8Array;
  storeF16: Uint8Array;
  storeI8: Uint8Array;
  index: Uint8Array;
  indexI8: Uint8Array;
}

/** The quantized store fixtures, by kind. */
const QUANTIZED_STORES = [['f16', 'storeF16'], ['i8', 'storeI8']] as const;

export interface ScenarioResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

interface Scenario {
  name: string;
  run(env: SuiteEnv): Promise<void>;
}

interface BackendScenario {
  name: string;
  run(env: SuiteEnv, backend: BackendUnderTest): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Data shared with the fixture builder: seeds and sizes, so every runtime can recompute the reference.

export const FIXTURE = {
  storePath: '/fixture.mvec',
  indexPath: '/fixture.hnsw',
  dim: 24,
  storeCount: 400,
  storeSeed: 7,
  storeDeleted: [3, 50, 217, 399],
  indexCount: 300,
  indexSeed: 8,
  indexDeletedKey: 'k5',
  querySeed: 9,
  queryCount: 5,
} as const;

/** Brute-force cosine top-k over keyed rows, best first: the answer HNSW must give when ef covers the index. */
function refKeyTopK(data: Float32Array, dim: number, keys: Array<string | null>, query: ArrayLike<number>, k: number): Array<[string, number]> {
  const scored: Array<[string, number]> = [];
  keys.forEach((key, i) => {
    if (key !== null) scored.push([key, refCosine(query, row(data, dim, i))]);
  });
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, k);
}

function metadataOf(i: number): { i: number; even: boolean } {
  return { i, even: i % 2 === 0 };
}

/** Builds the portable fixtures (runs in Node, with the packed memvec). */
export async function buildFixtures(memvec: MemvecModule): Promise<Fixtures> {
  const { dim } = FIXTURE;
  const backend = new memvec.MemoryBackend();
  for (const quantization of ['f32', 'f16', 'i8'] as const) {
    const store = await memvec.MemMapVector.open(`${FIXTURE.storePath}.${quantization}`, { dimension: dim, backend, quantization });
    store.addVectors(randomVectors(FIXTURE.storeCount, dim, FIXTURE.storeSeed));
    store.markDeleted([...FIXTURE.storeDeleted]);
    store.close();
  }

  // The same index in f32 and in i8 (with its f32 originals: a format version 2 snapshot).
  for (const quantization of ['f32', 'i8'] as const) {
    const index = await memvec.HnswIndex.create({ dimension: dim, metric: 'cosine', M: 12, efConstruction: 100, seed: 3, quantization });
    const data = randomVectors(FIXTURE.indexCount, dim, FIXTURE.indexSeed);
    for (let i = 0; i < FIXTURE.indexCount; i++) index.insert(`k${i}`, row(data, dim, i), metadataOf(i));
    index.delete(FIXTURE.indexDeletedKey);
    await index.save(`${FIXTURE.indexPath}.${quantization}`, { backend });
    index.close();
  }
  return {
    store: backend.getBytes(`${FIXTURE.storePath}.f32`),
    storeF16: backend.getBytes(`${FIXTURE.storePath}.f16`),
    storeI8: backend.getBytes(`${FIXTURE.storePath}.i8`),
    index: backend.getBytes(`${FIXTURE.indexPath}.f32`),
    indexI8: backend.getBytes(`${FIXTURE.indexPath}.i8`),
  };
}

// ---------------------------------------------------------------------------------------------------
// Runtime-level scenarios.

const runtimeScenarios: Scenario[] = [
  {
    name: 'engine: the runtime resolves the expected package entry and WASM build',
    async run({ memvec, expect }) {
      equal(await memvec.engineInfo(), expect, 'engineInfo()');
    },
  },
  {
    name: 'HNSW: search finds the true nearest neighbours (recall vs brute force), with metadata, minScore and filter',
    async run({ memvec }) {
      const dim = 32;
      const n = 1500;
      const data = clusteredVectors(n, dim, 20, 11, true);
      const queries = clusteredVectors(20, dim, 20, 12, true);
      const keys = Array.from({ length: n }, (_, i) => `v${i}`);
      await using index = await memvec.HnswIndex.create({ dimension: dim, metric: 'cosine', M: 16, efConstruction: 100, efSearch: 64 });
      for (let i = 0; i < n; i++) index.insert(keys[i]!, row(data, dim, i), metadataOf(i));
      equal(index.size(), n, 'size()');
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const query = row(queries, dim, q);
        const got = index.search(query, 10);
        const want = refKeyTopK(data, dim, keys, query, 10);
        ok(got.length === 10, `query ${q}: 10 results, got ${got.length}`);
        const wanted = new Set(want.map(([key]) => key));
        hits += got.filter((r) => wanted.has(r.key)).length;
        for (const r of got) {
          const i = Number(r.key.slice(1));
          close(r.score, refCosine(query, row(data, dim, i)), 1e-4, `score of ${r.key}`);
          close(r.distance, 1 - r.score, 1e-6, `distance of ${r.key}`);
          equal(r.metadata, metadataOf(i), `metadata of ${r.key}`);
        }
        for (let j = 1; j < got.length; j++) ok(got[j - 1]!.score >= got[j]!.score, `query ${q}: results sorted best first`);
      }
      const recall = hits / 200;
      ok(recall >= 0.9, `recall@10 ${recall.toFixed(3)} >= 0.9`);

      const query = row(queries, dim, 0);
      const even = index.search(query, 5, { filter: (_key, meta) => (meta as { even: boolean }).even });
      equal(even.length, 5, 'filtered result count');
      ok(even.every((r) => (r.metadata as { even: boolean }).even), 'the filter holds for every result');
      const best = index.search(query, 1)[0]!.score;
      const above = index.search(query, 50, { minScore: best - 1e-3 });
      ok(above.length >= 1 && above.every((r) => r.score >= best - 1e-3), 'minScore drops weaker results');
    },
  },
  {
    name: 'HNSW: delete removes a key from results and from size',
    async run({ memvec }) {
      const dim = 8;
      const data = randomVectors(200, dim, 21);
      await using index = await memvec.HnswIndex.create({ dimension: dim, metric: 'euclidean', M: 8, efConstruction: 64 });
      for (let i = 0; i < 200; i++) index.insert(`k${i}`, row(data, dim, i));
      equal(index.search(row(data, dim, 42), 1)[0]?.key, 'k42', 'a stored vector finds itself');
      equal(index.delete('k42'), true, 'delete of a live key');
      equal(index.delete('k42'), false, 'delete of a deleted key');
      equal(index.size(), 199, 'size() after delete');
      equal(index.has('k42'), false, 'has() after delete');
      const after = index.search(row(data, dim, 42), 199, { ef: 400 });
      equal(after.length, 199, 'every live entry is reachable');
      ok(!after.some((r) => r.key === 'k42'), 'the deleted key is never returned');
    },
  },
  {
    name: 'threads: batchInsert and searchBatch asked for 2 threads find the true neighbours, and searchBatch answers as on one thread',
    async run(env) {
      const { memvec, expect } = env;
      // Where threads exist (expect.threads > 1) this runs on worker threads on the index's shared
      // memory: a batchInsert of 256 rows and up goes parallel (and starts the workers), then a
      // searchBatch of 32 unfiltered queries and up. Where they do not (workerd, a page that is not
      // cross-origin isolated, no WASM SIMD) the same calls must run on the calling thread, no error.
      equal((await memvec.engineInfo()).threads, expect.threads, 'engineInfo().threads');
      const dim = 16;
      const n = 3000;
      const data = clusteredVectors(n, dim, 30, 13, true);
      const queries = clusteredVectors(64, dim, 30, 14, true);
      const keys = Array.from({ length: n }, (_, i) => `t${i}`);
      const before = env.threadsStarted?.();
      const index = await memvec.HnswIndex.create({ dimension: dim, metric: 'cosine', M: 16, efConstruction: 100, threads: 2 });
      await index.batchInsert(data, keys, keys.map((_, i) => ({ third: i % 3 })), { threads: 2 });
      equal(index.size(), n, 'size() after a threaded batchInsert');
      checkWorkersStarted(env, before, 'a batchInsert of 3000 rows on 2 threads');

      const live: Array<string | null> = [...keys];
      const check = (what: string): void => {
        const got = index.searchBatch(queries, 10, { ef: 64, threads: 2 });
        // Each query's search is deterministic, whichever thread runs it: one thread gives the same.
        equal(index.searchBatch(queries, 10, { ef: 64, threads: 1 }), got, `${what}: searchBatch on 1 thread vs 2`);
        for (const q of [0, 31, 63]) equal(index.search(row(queries, dim, q), 10, { ef: 64 }), got[q], `${what}: search() of query ${q}`);
        let hits = 0;
        got.forEach((results, q) => {
          const query = row(queries, dim, q);
          const wanted = new Set(refKeyTopK(data, dim, live, query, 10).map(([key]) => key));
          ok(results.length === 10, `${what}: query ${q}: 10 results, got ${results.length}`);
          hits += results.filter((r) => wanted.has(r.key)).length;
          for (const r of results) close(r.score, refCosine(query, row(data, dim, Number(r.key.slice(1)))), 1e-4, `${what}: score of ${r.key}`);
        });
        const recall = hits / (10 * got.length);
        ok(recall >= 0.9, `${what}: recall@10 ${recall.toFixed(3)} >= 0.9`);
        // An object filter runs in the engine, on the workers too: the same answers as one thread.
        const filter = { third: 1 };
        const filtered = index.searchBatch(queries, 10, { ef: 64, filter, threads: 2 });
        equal(index.searchBatch(queries, 10, { ef: 64, filter, threads: 1 }), filtered, `${what}: filtered searchBatch on 1 thread vs 2`);
        ok(filtered.every((results) => results.length === 10 && results.every((r) => Number(r.key.slice(1)) % 3 === 1)), `${what}: 10 results per query, each passing the filter`);
      };
      check('after batchInsert');

      // compact rebuilds the graph with a batchInsert of the live rows: on threads too.
      const gone = keys.filter((_, i) => i % 10 === 3);
      for (const key of gone) index.delete(key);
      for (let i = 3; i < n; i += 10) live[i] = null;
      equal((await index.compact({ threads: 2 })).reclaimed, gone.length, 'compact() reclaimed');
      equal(index.size(), n - gone.length, 'size() after compact');
      check('after compact');

      index.close();
      await throwsCode(() => index.searchBatch(queries, 10), memvec.MemvecError, 'CLOSED', 'searchBatch after close');
    },
  },
  {
    name: 'threads: an exact scan of a large store (4 MiB of vectors) asked for 2 threads equals a plain JS loop',
    async run(env) {
      const { memvec, expect } = env;
      // 1100 × 1024-d f32 is 4.3 MiB of codes: searches of it go parallel once the workers are up (the
      // first such search starts them and runs on the calling thread).
      const dim = 1024;
      const data = randomVectors(1100, dim, 15);
      const queries = randomVectors(4, dim, 16);
      const before = env.threadsStarted?.();
      await using db = await memvec.MemMapVector.open('/threads-scan.mvec', { dimension: dim, backend: new memvec.MemoryBackend(), threads: 2 });
      db.addVectors(data);
      db.markDeleted([5, 600]);
      const stored = withDeleted(data, dim, [5, 600]);
      // Rounds until the workers count as started, then two more: a loaded machine can take seconds to
      // start a browser's workers, and a fixed three rounds 50 ms apart once raced them in CI.
      const deadline = Date.now() + 30_000;
      const started = (): boolean => before === undefined || expect.threads === 1 || (env.threadsStarted?.() ?? before) > before;
      for (let round = 0, afterStart = 0; afterStart < 2; round++) {
        for (let q = 0; q < 4; q++) {
          const query = row(queries, dim, q);
          const want = refCosineTopK(stored, dim, query, 10, -1);
          const got = db.cosineSearch(query, { topK: 10, minScore: -1 });
          equal(got.map(([id]) => id), want.map(([id]) => id), `round ${round}, query ${q}: ids`);
          got.forEach(([, score], i) => close(score, want[i]![1], 1e-5, `round ${round}, query ${q}: score ${i}`));
          equal(db.cosineSearch(query, { topK: 10, minScore: -1, threads: 1 }), got, `round ${round}, query ${q}: 1 thread vs 2`);
        }
        // Lets the workers the first large search started become ready.
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (started() || Date.now() > deadline) afterStart++;
      }
      checkWorkersStarted(env, before, 'searches of a 4.3 MiB store on 2 threads');
    },
  },
  {
    name: 'typed errors: bad input throws MemvecError with a stable code and changes nothing',
    async run({ memvec, unsupportedBackends }) {
      const { MemvecError, HnswIndex, MemMapVector, MemoryBackend } = memvec;
      await throwsCode(() => HnswIndex.create({ dimension: 0 }), MemvecError, 'INVALID_ARGUMENT', 'create with dimension 0');
      const index = await HnswIndex.create({ dimension: 3 });
      index.insert('a', [1, 0, 0], { tag: 'a' });
      await throwsCode(() => index.insert('b', [1, 2]), MemvecError, 'DIMENSION_MISMATCH', 'insert of a 2-d vector into a 3-d index');
      await throwsCode(() => index.insert('b', [Number.NaN, 0, 0]), MemvecError, 'INVALID_VECTOR', 'insert of NaN');
      await throwsCode(() => index.search([1, 0, 0], 0), MemvecError, 'INVALID_ARGUMENT', 'search with k = 0');
      equal(index.size(), 1, 'size() after rejected inserts');
      equal(index.search([1, 0, 0], 5).map((r) => r.key), ['a'], 'contents after rejected inserts');
      index.close();
      await throwsCode(() => index.search([1, 0, 0], 1), MemvecError, 'CLOSED', 'search after close');

      // The error is the package's own class, with a code callers can branch on.
      let caught: unknown;
      try {
        index.size();
      } catch (err) {
        caught = err;
      }
      ok(memvec.isMemvecError(caught, 'CLOSED'), 'isMemvecError(err, "CLOSED")');
      equal((caught as Error).name, 'MemvecError', 'error name');

      const junk = new Uint8Array(20_000).map((_, i) => (i * 7919) & 0xff);
      await throwsCode(
        () => MemMapVector.open('/junk.mvec', { backend: MemoryBackend.fromBytes('/junk.mvec', junk) }),
        MemvecError, 'CORRUPT_FILE', 'opening random bytes as a store',
      );
      await throwsCode(
        () => HnswIndex.load('/junk.hnsw', { backend: MemoryBackend.fromBytes('/junk.hnsw', junk) }),
        MemvecError, 'CORRUPT_FILE', 'loading random bytes as an index',
      );
      for (const name of unsupportedBackends ?? []) {
        await throwsCode(() => MemMapVector.open(`/x-${name}.mvec`, { dimension: 3, backend: name }), MemvecError, 'UNSUPPORTED', `the '${name}' backend in this build`);
      }
    },
  },
  {
    name: 'portable files: a store (f32, f16, i8) and an index built by Node open from bytes and give the same answers',
    async run({ memvec, fixtures }) {
      const { dim } = FIXTURE;
      const storeData = withDeleted(randomVectors(FIXTURE.storeCount, dim, FIXTURE.storeSeed), dim, FIXTURE.storeDeleted);
      const indexData = randomVectors(FIXTURE.indexCount, dim, FIXTURE.indexSeed);
      const indexKeys = Array.from({ length: FIXTURE.indexCount }, (_, i) => (`k${i}` === FIXTURE.indexDeletedKey ? null : `k${i}`));
      const queries = randomVectors(FIXTURE.queryCount, dim, FIXTURE.querySeed);

      await using store = await memvec.MemMapVector.open(FIXTURE.storePath, {
        backend: memvec.MemoryBackend.fromBytes(FIXTURE.storePath, fixtures.store),
        readOnly: true,
      });
      equal(
        { total: store.stat().totalVectors, deleted: store.stat().deletedIds },
        { total: FIXTURE.storeCount, deleted: FIXTURE.storeDeleted },
        'store counts',
      );
      await using index = await memvec.HnswIndex.load(FIXTURE.indexPath, {
        backend: memvec.MemoryBackend.fromBytes(FIXTURE.indexPath, fixtures.index),
      });
      await using indexI8 = await memvec.HnswIndex.load(FIXTURE.indexPath, {
        backend: memvec.MemoryBackend.fromBytes(FIXTURE.indexPath, fixtures.indexI8),
      });
      equal(index.size(), FIXTURE.indexCount - 1, 'index size');
      equal([indexI8.size(), indexI8.quantization], [FIXTURE.indexCount - 1, 'i8'], 'i8 index size and kind');
      for (let q = 0; q < FIXTURE.queryCount; q++) {
        const query = row(queries, dim, q);
        const exact = store.cosineSearch(query, { topK: 10, minScore: -1 });
        const want = refCosineTopK(storeData, dim, query, 10, -1);
        equal(exact.map(([id]) => id), want.map(([id]) => id), `store: ids for query ${q}`);
        exact.forEach(([, score], i) => close(score, want[i]![1], 1e-5, `store: score ${i} for query ${q}`));

        // ef above the index size makes HNSW exhaustive: its answer must be the brute-force one.
        const approx = index.search(query, 10, { ef: 400 });
        const wantKeys = refKeyTopK(indexData, dim, indexKeys, query, 10);
        equal(approx.map((r) => r.key), wantKeys.map(([key]) => key), `index: keys for query ${q}`);
        approx.forEach((r, i) => {
          close(r.score, wantKeys[i]![1], 1e-5, `index: score ${i} for query ${q}`);
          equal(r.metadata, metadataOf(Number(r.key.slice(1))), `index: metadata of ${r.key}`);
        });
        // The i8 index, exhaustive too and reranked with its originals: the same keys and exact scores.
        const quantized = indexI8.search(query, 10, { ef: 400, rerank: 30 });
        equal(quantized.map((r) => r.key), wantKeys.map(([key]) => key), `i8 index: keys for query ${q}`);
        quantized.forEach((r, i) => close(r.score, wantKeys[i]![1], 1e-5, `i8 index: score ${i} for query ${q}`));
      }
      equal(Array.from(store.getVectorByVectorId(10)!), Array.from(row(storeData, dim, 10)), 'store: vector 10');
      equal(store.getVectorByVectorId(50), null, 'store: deleted vector 50');

      // The same store kept as f16 and as i8 codes (with the f32 originals): the same answers as the f32
      // store, scores included (the candidates are rescored with the originals).
      for (const [quantization, key] of QUANTIZED_STORES) {
        await using quantized = await memvec.MemMapVector.open(FIXTURE.storePath, {
          backend: memvec.MemoryBackend.fromBytes(FIXTURE.storePath, fixtures[key]),
          readOnly: true,
        });
        equal(quantized.quantization, quantization, `${quantization} store: quantization`);
        equal(quantized.stat().deletedIds, [...FIXTURE.storeDeleted], `${quantization} store: deleted ids`);
        for (let q = 0; q < FIXTURE.queryCount; q++) {
          const query = row(queries, dim, q);
          equal(quantized.cosineSearch(query, { topK: 10, minScore: -1 }), store.cosineSearch(query, { topK: 10, minScore: -1 }), `${quantization} store: results for query ${q}`);
        }
        equal(Array.from(quantized.getVectorByVectorId(10)!), Array.from(row(storeData, dim, 10)), `${quantization} store: vector 10`);
      }
    },
  },
  {
    name: 'default backend: an index saves and loads with no backend option',
    async run({ memvec, defaultPath, defaultStorageHas }) {
      const dim = 16;
      const data = randomVectors(100, dim, 31);
      const path = defaultPath('default.hnsw');
      const index = await memvec.HnswIndex.create({ dimension: dim });
      for (let i = 0; i < 100; i++) index.insert(`k${i}`, row(data, dim, i));
      const query = row(data, dim, 7);
      const before = index.search(query, 5);
      await index.save(path);
      index.close();
      if (defaultStorageHas) ok(await defaultStorageHas(path), `${path} is in the default storage`);
      await using loaded = await memvec.HnswIndex.load(path);
      equal(loaded.search(query, 5), before, 'results after load');
    },
  },
];

// ---------------------------------------------------------------------------------------------------
// Backend-level scenarios.

const backendScenarios: BackendScenario[] = [
  {
    name: 'exact store: inserted vectors come back, and exact search equals a plain JS loop',
    async run({ memvec }, backend) {
      const dim = 24;
      const data = randomVectors(300, dim, 41);
      const queries = randomVectors(4, dim, 42);
      await using db = await memvec.MemMapVector.open(backend.path('exact'), { dimension: dim, backend: backend.name });
      equal(db.addVectors(data.subarray(0, 200 * dim)), Array.from({ length: 200 }, (_, i) => i), 'ids of a flat batch');
      const rest = Array.from({ length: 100 }, (_, i) => Array.from(row(data, dim, 200 + i)));
      equal(db.addVectors(rest)[0], 200, 'first id of an array batch');
      equal(db.getTotalVectors(), 300, 'getTotalVectors()');
      equal(Array.from(db.getVectorByVectorId(250)!), Array.from(row(data, dim, 250)), 'vector 250');
      for (let q = 0; q < 4; q++) {
        const query = row(queries, dim, q);
        for (const [topK, minScore] of [[10, -1], [3, 0.2], [500, -1]] as const) {
          const got = db.cosineSearch(query, { topK, minScore });
          const want = refCosineTopK(data, dim, query, topK, minScore);
          equal(got.map(([id]) => id), want.map(([id]) => id), `ids, query ${q}, topK ${topK}, minScore ${minScore}`);
          got.forEach(([, s], i) => close(s, want[i]![1], 1e-5, `score ${i}, query ${q}`));
        }
      }
    },
  },
  {
    name: 'exact store: delete hides vectors; compact drops them and keeps the results',
    async run({ memvec }, backend) {
      const dim = 16;
      const data = randomVectors(240, dim, 51);
      const deleted = Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 4 === 1);
      await using db = await memvec.MemMapVector.open(backend.path('compact'), { dimension: dim, backend: backend.name });
      db.addVectors(data);
      equal(db.markDeleted(deleted), deleted.length, 'markDeleted count');
      equal(db.getVectorByVectorId(1), null, 'a deleted vector reads as null');
      const query = row(data, dim, 1);
      const before = db.cosineSearch(query, { topK: 20, minScore: -1 });
      equal(before.map(([id]) => id), refCosineTopK(withDeleted(data, dim, deleted), dim, query, 20, -1).map(([id]) => id), 'search skips deleted ids');
      const map = await db.compact();
      const kept = Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 4 !== 1);
      equal(map, kept.map((old, i) => [old, i]), 'compact() id map');
      equal(db.stat().deletedVectors, 0, 'no deleted vectors after compact');
      const oldOf = new Map(map.map(([o, n]) => [n, o]));
      const after = db.cosineSearch(query, { topK: 20, minScore: -1 });
      equal(after.map(([id]) => oldOf.get(id)), before.map(([id]) => id), 'same results, renumbered');
      after.forEach(([, s], i) => close(s, before[i]![1], 1e-6, `score ${i}`));
    },
  },
  {
    name: 'exact store: close and reopen gives the same vectors and results',
    async run({ memvec }, backend) {
      const dim = 32;
      const data = randomVectors(150, dim, 61);
      const path = backend.path('reopen');
      const query = row(data, dim, 3);
      let before: Array<[number, number]>;
      {
        await using db = await memvec.MemMapVector.open(path, { dimension: dim, backend: backend.name });
        db.addVectors(data.subarray(0, 100 * dim));
        db.addVectors(data.subarray(100 * dim));
        db.markDeleted([9]);
        before = db.cosineSearch(query, { topK: 15, minScore: -1 });
      }
      await using again = await memvec.MemMapVector.open(path, { backend: backend.name, readOnly: true });
      equal(again.stat().totalVectors, 150, 'count after reopen');
      equal(again.stat().deletedIds, [9], 'deletions after reopen');
      equal(again.cosineSearch(query, { topK: 15, minScore: -1 }), before, 'results after reopen');
      equal(Array.from(again.getVectorByVectorId(149)!), Array.from(row(data, dim, 149)), 'last vector after reopen');
    },
  },
  {
    name: 'HNSW: save and load answer identically, and the loaded index keeps inserting',
    async run({ memvec }, backend) {
      const dim = 20;
      const data = randomVectors(400, dim, 71);
      const path = backend.path('index');
      const index = await memvec.HnswIndex.create({ dimension: dim, metric: 'dot', M: 10, efConstruction: 80, seed: 5 });
      for (let i = 0; i < 400; i++) index.insert(`k${i}`, row(data, dim, i), i % 3 === 0 ? { third: i } : undefined);
      index.delete('k9');
      const queries = [3, 77, 301].map((i) => row(data, dim, i));
      const before = queries.map((q) => index.search(q, 8, { ef: 40 }));
      await index.save(path, { backend: backend.name });
      await using loaded = await memvec.HnswIndex.load(path, { backend: backend.name });
      equal(loaded.size(), 399, 'size after load');
      equal(queries.map((q) => loaded.search(q, 8, { ef: 40 })), before, 'results after load');
      const extra = randomVectors(1, dim, 72);
      index.insert('new', extra);
      loaded.insert('new', extra);
      equal(loaded.search(extra, 3), index.search(extra, 3), 'an insert after load matches one before save');
      index.close();
    },
  },
  {
    name: 'one writer: a second writer gets LOCKED until the first closes',
    async run({ memvec }, backend) {
      const path = backend.path('lock');
      const writer = await memvec.MemMapVector.open(path, { dimension: 3, backend: backend.name });
      writer.addVectors([[1, 2, 3]]);
      await throwsCode(() => memvec.MemMapVector.open(path, { backend: backend.name }), memvec.MemvecError, 'LOCKED', 'a second writer');
      writer.close();
      await using again = await memvec.MemMapVector.open(path, { backend: backend.name });
      equal(again.getTotalVectors(), 1, 'the next writer sees the first one\'s commit');
    },
  },
  {
    name: 'one writer: save() over a persistent index that is open is LOCKED and the index stays durable',
    async run({ memvec }, backend) {
      const path = backend.path('held');
      const live = await memvec.HnswIndex.open(path, { dimension: 3, backend: backend.name });
      live.insert('a', [1, 2, 3]);
      const other = await memvec.HnswIndex.create({ dimension: 3 });
      other.insert('intruder', [3, 2, 1]);
      await throwsCode(() => other.save(path, { backend: backend.name }), memvec.MemvecError, 'LOCKED', 'save over an open index');
      await throwsCode(() => memvec.MemMapVector.open(path, { backend: backend.name }), memvec.MemvecError, 'LOCKED', 'a store over an open index');
      live.insert('b', [1, 1, 1]);
      live.close();
      await using reopened = await memvec.HnswIndex.open(path, { backend: backend.name });
      equal([reopened.has('a'), reopened.has('b'), reopened.has('intruder')], [true, true, false], 'the index kept its file');
      other.close();
    },
  },
];

export function scenarioNames(backends: readonly string[]): string[] {
  return [
    ...runtimeScenarios.map((s) => s.name),
    ...backends.flatMap((b) => backendScenarios.map((s) => `[${b}] ${s.name}`)),
  ];
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `\ncaused by: ${err.cause.message}` : '';
    return `${err.name}${code ? ` ${String(code)}` : ''}: ${err.message}${cause}\n${err.stack ?? ''}`;
  }
  return String(err);
}

async function timed(name: string, run: () => Promise<void>): Promise<ScenarioResult> {
  const start = Date.now();
  try {
    await run();
    return { name, ok: true, ms: Date.now() - start };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - start, error: describeError(err) };
  }
}

/** Runs every scenario in order; a failure is recorded and the next one still runs. */
export async function runSuite(env: SuiteEnv): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const s of runtimeScenarios) results.push(await timed(s.name, () => s.run(env)));
  for (const backend of env.backends) {
    for (const s of backendScenarios) results.push(await timed(`[${backend.name}] ${s.name}`, () => s.run(env, backend)));
  }
  return results;
}

/** Every fixture of the generated module (base64 strings) as bytes. */
export function decodeFixtures(encoded: Record<keyof Fixtures, string>): Fixtures {
  const names = Object.keys(encoded) as Array<keyof Fixtures>;
  return Object.fromEntries(names.map((name) => [name, fromBase64(encoded[name])])) as unknown as Fixtures;
}

/** Base64 without Buffer, for fixtures that travel as text to runtimes without node:fs. */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
