// memvec/postgres against a real pgvector (PGlite + pgvector over pglite-socket, through `pg`; and any
// PostgreSQL with pgvector at MEMVEC_PG_URL when set): exact top-10 equal to memvec's exact answers
// for each metric, the same rows selected by object filters in SQL as by matchesFilter in JS, the
// table and HNSW index as exported, all-or-nothing exports, hostile names and values, connection
// strings kept out of errors.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, matchesFilter, type MetadataFilter } from '../src/filter/filter.js';
import { HnswIndex, type HnswMetric, MemMapVector, MemvecError } from '../src/index.js';
import { exportToPostgres, searchPostgres } from '../src/postgres/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { randomVectors } from './support/random.js';
import { connectClient, startPgvector, type PgvectorServer } from './support/pgvector-server.js';
import { randomFilters } from './support/random-filters.js';

const DIM = 16;
const N = 2000;
const METRICS: HnswMetric[] = ['cosine', 'euclidean', 'dot'];

/** memvec's exact answer: every entry scored in float64 as memvec scores it, best first. */
function bruteForce(vectors: Float32Array, q: Float32Array, metric: HnswMetric, k: number, skip: number): { key: string; score: number }[] {
  const out: { key: string; score: number }[] = [];
  for (let i = 0; i < vectors.length / DIM; i++) {
    if (i === skip) continue;
    let dot = 0, na = 0, nb = 0, l2 = 0;
    for (let j = 0; j < DIM; j++) {
      const a = vectors[i * DIM + j]!, b = q[j]!;
      dot += a * b; na += a * a; nb += b * b; l2 += (a - b) ** 2;
    }
    const score = metric === 'cosine' ? dot / Math.sqrt(na * nb) : metric === 'dot' ? dot : -Math.sqrt(l2);
    out.push({ key: `k${i}`, score });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, k);
}

const random = randomFilters(12);
const randomDoc = random.doc;
const randomFilter = random.filter;

const targets: { name: string; url?: string }[] = [{ name: 'PGlite + pgvector' }];
if (process.env.MEMVEC_PG_URL) targets.push({ name: 'MEMVEC_PG_URL', url: process.env.MEMVEC_PG_URL });

describe.each(targets)('memvec/postgres against $name', ({ url: givenUrl }) => {
  let server: PgvectorServer | undefined;
  let url: string;
  let client: pg.Client;
  // Unique per run, so a shared server (MEMVEC_PG_URL) keeps no state between runs.
  const prefix = `memvec_t${Date.now().toString(36)}`;
  const dropAfter: string[] = [];

  beforeAll(async () => {
    if (givenUrl) url = givenUrl;
    else {
      server = await startPgvector();
      url = server.url;
    }
    client = await connectClient(url);
  });

  afterAll(async () => {
    for (const t of dropAfter) await client.query(`drop table if exists ${t}`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await server?.close();
  });

  const tableExists = async (t: string) => (await client.query('select to_regclass($1) as r', [t])).rows[0].r !== null;

  describe.each(METRICS)('metric %s', (metric) => {
    const table = `${prefix}_${metric}`;
    const vectors = randomVectors(N, DIM, 7 + METRICS.indexOf(metric));
    const metadata = Array.from({ length: N }, randomDoc);
    let index: HnswIndex;

    beforeAll(async () => {
      index = await HnswIndex.create({ dimension: DIM, metric, M: 12, efConstruction: 40 });
      await index.batchInsert(vectors, Array.from({ length: N }, (_, i) => `k${i}`), metadata);
      // Deleted and replaced entries are not live: neither is exported.
      index.delete('k5');
      index.insert('k6', vectors.subarray(6 * DIM, 7 * DIM), { replaced: true });
      metadata[6] = { replaced: true };
      dropAfter.push(table);
    });

    it('exports every live entry, in one transaction, and builds the HNSW index with the operator class and M, efConstruction', async () => {
      const seen: number[] = [];
      const summary = await exportToPostgres(index, { connection: client, table, batchSize: 300, onProgress: (p) => seen.push(p.copied) });
      expect(summary).toEqual({ table, copied: N - 1, dimension: DIM, metric, m: 12, efConstruction: 40 });
      expect(seen).toEqual([300, 600, 900, 1200, 1500, 1800, N - 1]);
      const { rows } = await client.query(`select key, embedding::text as e, metadata from ${table} order by key`);
      expect(rows.length).toBe(N - 1);
      const byKey = new Map(rows.map((row) => [row.key, row]));
      expect(byKey.has('k5')).toBe(false);
      for (const i of [0, 6, 17, N - 1]) {
        const row = byKey.get(`k${i}`)!;
        // Every float32 exactly as memvec holds it.
        expect(Float32Array.from(JSON.parse(row.e))).toEqual(index.get(`k${i}`)!.vector);
        expect(row.metadata ?? undefined).toEqual(metadata[i]);
      }
      const defs = await client.query('select indexdef from pg_indexes where tablename = $1', [table]);
      const opclass = { cosine: 'vector_cosine_ops', euclidean: 'vector_l2_ops', dot: 'vector_ip_ops' }[metric];
      expect(defs.rows.map((d) => d.indexdef).join('\n')).toMatch(new RegExp(`USING hnsw \\(embedding ${opclass}\\) WITH \\(m='?12'?, ef_construction='?40'?\\)`));
    });

    it("pgvector's exact top-10 equals memvec's exact top-10, with memvec's scores", async () => {
      await client.query('set enable_indexscan = off');
      try {
        const queries = randomVectors(8, DIM, 99);
        for (let i = 0; i < 8; i++) {
          const q = queries.subarray(i * DIM, (i + 1) * DIM);
          // k5 was deleted.
          const want = bruteForce(vectors, q, metric, 10, 5);
          const got = await searchPostgres({ connection: client, table, metric }, q, 10);
          expect(got.map((x) => x.key)).toEqual(want.map((x) => x.key));
          got.forEach((x, i) => expect(x.score).toBeCloseTo(want[i]!.score, 4));
          // The same entries memvec's index returns, with the same score and distance conventions.
          const mem = index.search(q, 10, { ef: 2000 });
          expect(mem.map((x) => x.key)).toEqual(got.map((x) => x.key));
          got.forEach((x, i) => {
            expect(x.distance).toBeCloseTo(mem[i]!.distance, 4);
            expect(x.score).toBeCloseTo(mem[i]!.score, 4);
            expect(x.metadata ?? undefined).toEqual(mem[i]!.metadata);
          });
        }
      } finally {
        await client.query('reset enable_indexscan');
      }
    });
  });

  it('a MemMapVector exports with keys from its ids (or keyOf), cosine, and matches its own cosineSearch', async () => {
    const store = await MemMapVector.open('pg-export.mmv', { backend: 'memory', dimension: DIM });
    const vectors = randomVectors(500, DIM, 31);
    store.addVectors(vectors);
    store.markDeleted([3, 4]);
    const table = `${prefix}_memmap`;
    dropAfter.push(table, `${table}_keyed`);
    const summary = await exportToPostgres(store, { connection: client, table });
    expect(summary.copied).toBe(498);
    expect(summary.metric).toBe('cosine');
    const keyed = await exportToPostgres(store, { connection: client, table: `${table}_keyed`, keyOf: (id) => `doc-${id}` });
    expect(keyed.copied).toBe(498);
    expect((await client.query(`select count(*)::int as n from ${table}_keyed where key like 'doc-%'`)).rows[0].n).toBe(498);
    await client.query('set enable_indexscan = off');
    try {
      const q = randomVectors(1, DIM, 32);
      const want = store.cosineSearch(q, { topK: 10 });
      const got = await searchPostgres({ connection: client, table, metric: 'cosine' }, q, 10);
      expect(got.map((x) => x.key)).toEqual(want.map(([id]) => String(id)));
      got.forEach((x, i) => expect(x.score).toBeCloseTo(want[i]![1], 4));
    } finally {
      await client.query('reset enable_indexscan');
    }
    store.close();
  });

  it('object filters select the same entries in SQL as matchesFilter in JS (random filters, random metadata)', async () => {
    // Shapes random docs rarely produce: arrays in arrays, scalars and empty arrays on a path, nulls.
    const edges: unknown[] = [
      { n: [[{ z: 1 }]] }, { n: [1, { z: 2 }] }, { n: { z: [[1]] } }, { x: [[null]] }, { n: [] }, { n: [{}] }, { n: null },
      { n: 5 }, { x: [] }, { x: [null] }, { n: { z: null } }, { n: [{ z: null }, { z: 'a' }] }, { n: [{ z: [1, 'a'] }] }, [],
      null, 3, { x: { y: 1 } }, { 'n.z': 1 },
    ];
    const docs = [...edges, ...Array.from({ length: 400 - edges.length }, randomDoc)];
    const n = docs.length;
    const index = await HnswIndex.create({ dimension: 4, metric: 'euclidean' });
    await index.batchInsert(randomVectors(n, 4, 5), docs.map((_, i) => `d${i}`), docs);
    const table = `${prefix}_filters`;
    dropAfter.push(table);
    await exportToPostgres(index, { connection: client, table });
    await client.query('set enable_indexscan = off');
    try {
      const fixed: MetadataFilter[] = [
        { x: 'a' }, { x: { $ne: 'a' } }, { x: null }, { x: { $ne: null } }, { 'n.z': 1 }, { 'n.z': { $exists: false } },
        { x: { $gte: 2 } }, { x: { $gt: 'a' } }, { x: { $lt: '1' } }, { y: { $nin: [1, 'a'] } }, { n: { $exists: true } }, {},
      ];
      let nonTrivial = 0;
      for (const filter of [...fixed, ...Array.from({ length: 150 }, () => randomFilter())]) {
        const node = compileFilter(filter);
        const want = docs.flatMap((d, i) => (matchesFilter(node, d) ? [`d${i}`] : [])).sort();
        const got = (await searchPostgres({ connection: client, table, metric: 'euclidean' }, [0, 0, 0, 0], n, { filter })).map((x) => x.key).sort();
        expect(got, JSON.stringify(filter)).toEqual(want);
        if (want.length > 0 && want.length < n) nonTrivial++;
      }
      expect(nonTrivial).toBeGreaterThan(100);
    } finally {
      await client.query('reset enable_indexscan');
    }
  });

  describe('safety', () => {
    const HOSTILE = [
      "x'); drop table users; --", 'a"b', '$1', '$2::text', '\\', "\\'", ';', 'back\\slash\\', "O'Reilly", '`', '%s', '\n\t',
      'é ünï 😀', 'x'.repeat(4000),
    ];

    it('refuses hostile table names with INVALID_ARGUMENT, before connecting', async () => {
      // A port nobody listens on: a connection attempt would be IO, not INVALID_ARGUMENT.
      const nowhere = 'postgres://u:secret@127.0.0.1:1/db';
      const index = await HnswIndex.create({ dimension: 2 });
      for (const table of [
        'a;drop table x', 'a"b', "a'b", '1abc', 'a b', 'a.b.c', '.a', 'a.', '', 'x'.repeat(64), 'a-b', '$1', 'é', 'a\u0000',
      ]) {
        await expectCodeAsync(() => exportToPostgres(index, { connection: nowhere, table }), 'INVALID_ARGUMENT');
        await expectCodeAsync(() => searchPostgres({ connection: nowhere, table, metric: 'cosine' }, [1, 0], 1), 'INVALID_ARGUMENT');
      }
      await expectCodeAsync(() => exportToPostgres(index, { connection: nowhere, table: 7 as never }), 'INVALID_ARGUMENT');
      await expectCodeAsync(() => searchPostgres({ connection: nowhere, table: 'ok', metric: 'hamming' as never }, [1, 0], 1), 'INVALID_ARGUMENT');
    });

    it('keeps hostile keys, metadata and filter values as data (bound parameters), in a schema-qualified table', async () => {
      await client.query(`create schema if not exists ${prefix}_s`);
      const table = `${prefix}_s.Hostile_Case`;
      dropAfter.push(`${prefix}_s."Hostile_Case"`);
      const index = await HnswIndex.create({ dimension: 3, metric: 'cosine' });
      HOSTILE.forEach((v, i) => index.insert(v, [1, i + 1, 0], { v, [v]: i, list: [v] }));
      const summary = await exportToPostgres(index, { connection: client, table, batchSize: 5 });
      expect(summary.copied).toBe(HOSTILE.length);
      // Quoted identifiers: the mixed case survives, and the name is exactly the one asked for.
      expect(await tableExists(`${prefix}_s."Hostile_Case"`)).toBe(true);
      const { rows } = await client.query(`select key, metadata from ${prefix}_s."Hostile_Case"`);
      expect(new Map(rows.map((row) => [row.key, row.metadata]))).toEqual(new Map(HOSTILE.map((v, i) => [v, { v, [v]: i, list: [v] }])));
      for (const [i, v] of HOSTILE.entries()) {
        const target = { connection: client, table, metric: 'cosine' as const };
        // A field name starting with $ is an operator, and one with dots is a path: not these.
        const byName = v.startsWith('$') ? [] : [{ [v]: i }];
        for (const filter of [{ v }, ...byName, { list: { $in: [v] } }, { v: { $gte: v, $lte: v } }] as MetadataFilter[]) {
          const got = await searchPostgres(target, [1, 0, 0], 100, { filter });
          expect(got.map((x) => x.key), JSON.stringify(filter).slice(0, 80)).toEqual([v]);
        }
        expect((await searchPostgres(target, [1, 0, 0], 100, { filter: { v: { $ne: v } } })).length).toBe(HOSTILE.length - 1);
      }
      expect(await tableExists('users')).toBe(false);
    });

    it('refuses keys and metadata PostgreSQL cannot hold, and nothing is written', async () => {
      const table = `${prefix}_nul`;
      const index = await HnswIndex.create({ dimension: 2 });
      index.insert('fine', [1, 0]);
      index.insert('bad\u0000key', [0, 1]);
      await expectCodeAsync(() => exportToPostgres(index, { connection: client, table, batchSize: 1 }), 'INVALID_ARGUMENT');
      expect(await tableExists(table)).toBe(false);
      index.delete('bad\u0000key');
      index.insert('meta', [0, 1], { s: 'a\u0000b' });
      await expectCodeAsync(() => exportToPostgres(index, { connection: client, table, batchSize: 1 }), 'INVALID_ARGUMENT');
      expect(await tableExists(table)).toBe(false);
    });

    it('refuses a table with another dimension or shape, changing nothing', async () => {
      const index = await HnswIndex.create({ dimension: 3, metric: 'euclidean' });
      index.insert('a', [1, 2, 3]);
      const other = `${prefix}_dim`;
      const shape = `${prefix}_shape`;
      dropAfter.push(other, shape);
      await client.query(`create table ${other} (key text primary key, embedding vector(4), metadata jsonb)`);
      await client.query(`create table ${shape} (id int primary key, embedding vector(3))`);
      await expectCodeAsync(() => exportToPostgres(index, { connection: client, table: other }), 'DIMENSION_MISMATCH');
      await expectCodeAsync(() => exportToPostgres(index, { connection: client, table: shape }), 'INVALID_ARGUMENT');
      expect((await client.query(`select count(*)::int as n from ${other}`)).rows[0].n).toBe(0);
      expect((await client.query(`select count(*)::int as n from ${shape}`)).rows[0].n).toBe(0);
      // A query of the wrong length against an exported table.
      const ok = `${prefix}_dim_ok`;
      dropAfter.push(ok);
      await exportToPostgres(index, { connection: client, table: ok });
      await expectCodeAsync(() => searchPostgres({ connection: client, table: ok, metric: 'cosine' }, [1, 2], 1), 'DIMENSION_MISMATCH');
      // Exporting again into memvec's own table updates it in place.
      index.insert('a', [3, 2, 1], { again: true });
      index.insert('b', [1, 1, 1]);
      expect((await exportToPostgres(index, { connection: client, table: ok })).copied).toBe(2);
      const rows = (await client.query(`select key, embedding::text as e, metadata from ${ok} order by key`)).rows;
      expect(rows).toEqual([{ key: 'a', e: '[3,2,1]', metadata: { again: true } }, { key: 'b', e: '[1,1,1]', metadata: null }]);
    });

    it('an abort (or a throwing onProgress) midway rolls the whole export back: ABORTED, no table', async () => {
      const index = await HnswIndex.create({ dimension: 4 });
      await index.batchInsert(randomVectors(1000, 4, 3), Array.from({ length: 1000 }, (_, i) => `a${i}`));
      const table = `${prefix}_aborted`;
      const controller = new AbortController();
      await expectCodeAsync(
        () => exportToPostgres(index, { connection: client, table, batchSize: 100, signal: controller.signal, onProgress: (p) => p.copied === 500 && controller.abort() }),
        'ABORTED',
      );
      expect(await tableExists(table)).toBe(false);
      const boom = new Error('progress failed');
      await expect(exportToPostgres(index, { connection: client, table, batchSize: 100, onProgress: (p) => { if (p.copied === 300) throw boom; } })).rejects.toBe(boom);
      expect(await tableExists(table)).toBe(false);
      await expectCodeAsync(() => exportToPostgres(index, { connection: client, table, signal: AbortSignal.abort() }), 'ABORTED');
      expect(await tableExists(table)).toBe(false);
      // The caller's client is still open and usable after every failure.
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    });

    it('a connection that fails is IO, and the connection string (its password) is in no error message', async () => {
      const index = await HnswIndex.create({ dimension: 2 });
      index.insert('a', [1, 0]);
      const password = 'S3cr3t-p@ss;word';
      for (const connection of [
        `postgres://alice:${encodeURIComponent(password)}@127.0.0.1:1/db`,
        `postgresql://alice:${encodeURIComponent(password)}@[::1:2/db`,
        `host=127.0.0.1 port=1 user=alice password=${password}`,
      ]) {
        for (const call of [
          () => exportToPostgres(index, { connection, table: 'x' }),
          () => searchPostgres({ connection, table: 'x', metric: 'cosine' }, [1, 0], 1),
        ]) {
          const err = await call().then(() => undefined, (e: unknown) => e);
          expect(err).toBeInstanceOf(MemvecError);
          expect((err as MemvecError).code).toBe('IO');
          const text = `${(err as Error).message}\n${String((err as Error).stack)}\n${JSON.stringify(err)}`;
          for (const secret of [password, encodeURIComponent(password), connection, 'S3cr3t']) expect(text).not.toContain(secret);
          expect((err as Error).cause).toBeUndefined();
        }
      }
    });
  });

  it('leaves a Client it was given open, releases a Pool client, and closes a connection it opened itself', async () => {
    const index = await HnswIndex.create({ dimension: 2, metric: 'euclidean' });
    index.insert('p', [1, 0], { ok: 1 });
    const table = `${prefix}_conn`;
    dropAfter.push(table);
    await exportToPostgres(index, { connection: client, table });
    expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    // PGlite's socket serves one connection at a time: each step below would hang if the one before
    // had kept its connection.
    await client.end();
    try {
      expect((await searchPostgres({ connection: url, table, metric: 'euclidean' }, [1, 0], 1))[0]).toEqual({ key: 'p', score: -0, distance: 0, metadata: { ok: 1 } });
      await exportToPostgres(index, { connection: url, table });
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const res = await searchPostgres({ connection: pool, table, metric: 'euclidean' }, [0, 0], 1);
        expect(res.map((x) => x.key)).toEqual(['p']);
        expect(pool.idleCount).toBe(pool.totalCount);
        await exportToPostgres(index, { connection: pool, table });
        expect(pool.idleCount).toBe(pool.totalCount);
      } finally {
        await pool.end();
      }
    } finally {
      client = await connectClient(url);
    }
  });
});
