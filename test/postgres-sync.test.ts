// syncToPostgres against a real pgvector (PGlite + pgvector over pglite-socket, through `pg`): after a
// first full copy, inserts, upserts, deletes, metadata updates and batches are applied from the index
// file's log, and the table equals the index after every sync; a checkpoint or compaction falls back
// to a full copy that also deletes what the index dropped; a failure or abort midway changes nothing
// (rows and cursor roll back together) and the next sync catches up; refusals are typed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/index.js';
import { exportToPostgres, syncToPostgres } from '../src/postgres/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { clusteredVectors } from './support/random.js';
import { connectClient, startPgvector, type PgvectorServer } from './support/pgvector-server.js';

const DIM = 8;
type Meta = { n: number; tag?: string } | undefined;
const vec = (seed: number): Float32Array => clusteredVectors(1, DIM, 1, seed);

const targets: { name: string; url?: string }[] = [{ name: 'PGlite + pgvector' }];
if (process.env.MEMVEC_PG_URL) targets.push({ name: 'MEMVEC_PG_URL', url: process.env.MEMVEC_PG_URL });

describe.each(targets)('syncToPostgres against $name', ({ url }) => {
  let server: PgvectorServer | undefined;
  let client: pg.Client;
  const dir = mkdtempSync(join(tmpdir(), 'memvec-sync-'));
  // Unique per run, so a shared server (MEMVEC_PG_URL) keeps no state between runs.
  const run = Date.now().toString(36);
  const T = (name: string) => `${name}_${run}`;

  beforeAll(async () => {
    if (url === undefined) server = await startPgvector();
    client = await connectClient(url ?? server!.url);
  });
  afterAll(async () => {
    for (const t of ['s_main', 's_fail', 's_exported', 's_dim']) await client.query(`drop table if exists ${T(t)}`).catch(() => undefined);
    await client.query('delete from memvec_sync where table_name like $1', [`%_${run}`]).catch(() => undefined);
    await client.end().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The table as rows, and the index as the same rows: keys and metadata exactly, vectors to 1e-6. */
  async function expectTableEqualsIndex(table: string, index: HnswIndex<Meta>): Promise<void> {
    const rows = (await client.query(`select key, embedding::text as e, metadata from ${table} order by key`)).rows as { key: string; e: string; metadata: unknown }[];
    const entries = [...index.entries()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(rows.map((r) => r.key)).toEqual(entries.map((e) => e.key));
    rows.forEach((row, i) => {
      const e = entries[i]!;
      expect(row.metadata ?? undefined, row.key).toEqual(e.metadata);
      const got = JSON.parse(row.e) as number[];
      got.forEach((x, j) => expect(Math.abs(x - e.vector[j]!), `${row.key}[${j}]`).toBeLessThan(1e-6));
    });
  }

  const cursorOf = async (table: string): Promise<string | undefined> => (await client.query('select cursor from memvec_sync where table_name = $1', [table])).rows[0]?.cursor as string | undefined;

  it('copies first, then applies only what was committed since, and the table equals the index after each sync', async () => {
    const index = await HnswIndex.open<Meta>(join(dir, 'a.mvi'), { dimension: DIM, M: 8, efConstruction: 40, checkpointLogBytes: Infinity });
    await index.batchInsert(Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, vector: vec(i), metadata: i % 5 === 0 ? undefined : { n: i } })));
    const first = await syncToPostgres(index, { connection: client, table: T('s_main'), batchSize: 64 });
    expect(first).toEqual({ table: T('s_main'), mode: 'full', upserted: 300, deleted: 0, updated: 0 });
    await expectTableEqualsIndex(T('s_main'), index);
    // An HNSW index with the metric's operator class was made with the table.
    expect((await client.query(`select indexdef from pg_indexes where tablename = '${T('s_main')}' and indexdef like '%hnsw%'`)).rows[0].indexdef).toMatch(/vector_cosine_ops/);

    index.insert('new1', vec(1001), { n: 1001 });
    index.insert('k3', vec(2003), { n: 3, tag: 'upserted' });
    index.delete('k4');
    index.deleteMany(['k6', 'k7', 'new1']);
    index.updateMetadata('k8', { n: 8, tag: 'meta' });
    index.updateMetadata('k9', undefined);
    await index.batchInsert([{ key: 'k7', vector: vec(3007), metadata: { n: 7 } }, { key: 'b1', vector: vec(3001) }]);
    index.insert('k8', vec(4008)); // upsert after a metadata update: the later change wins
    const next = await syncToPostgres(index, { connection: client, table: T('s_main'), batchSize: 2 });
    // Rows written: new1, k3, k7, b1, k8; rows deleted: k4, k6, k7 and new1 (inserted earlier in this sync).
    expect(next).toEqual({ table: T('s_main'), mode: 'incremental', upserted: 5, deleted: 4, updated: 2 });
    await expectTableEqualsIndex(T('s_main'), index);

    // Nothing new: nothing done, the cursor unchanged (idempotent).
    const cursor = await cursorOf(T('s_main'));
    expect(await syncToPostgres(index, { connection: client, table: T('s_main') })).toEqual({ table: T('s_main'), mode: 'incremental', upserted: 0, deleted: 0, updated: 0 });
    expect(await cursorOf(T('s_main'))).toBe(cursor);

    // A checkpoint folds the log: the next sync copies everything again and drops what the index dropped.
    index.delete('k10');
    index.checkpoint();
    index.delete('k11');
    const full = await syncToPostgres(index, { connection: client, table: T('s_main') });
    expect(full).toMatchObject({ mode: 'full', upserted: index.size(), deleted: 2 });
    await expectTableEqualsIndex(T('s_main'), index);

    // compact() replaces the file: the same.
    index.delete('k12');
    await index.compact();
    expect(await syncToPostgres(index, { connection: client, table: T('s_main') })).toMatchObject({ mode: 'full', deleted: 1 });
    await expectTableEqualsIndex(T('s_main'), index);
    index.insert('k12', vec(12), { n: 12 });
    expect(await syncToPostgres(index, { connection: client, table: T('s_main') })).toMatchObject({ mode: 'incremental', upserted: 1 });
    await expectTableEqualsIndex(T('s_main'), index);
    index.close();
  });

  it('a sync that fails or is aborted midway changes nothing, and the next one catches up', async () => {
    const index = await HnswIndex.open<Meta>(join(dir, 'b.mvi'), { dimension: DIM, M: 8, efConstruction: 40, checkpointLogBytes: Infinity });
    await index.batchInsert(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, vector: vec(i), metadata: { n: i } })));
    await syncToPostgres(index, { connection: client, table: T('s_fail') });
    const before = (await client.query(`select key, embedding::text, metadata from ${T('s_fail')} order by key`)).rows;
    const cursor = await cursorOf(T('s_fail'));
    for (let i = 0; i < 20; i++) index.insert(`k${i}`, vec(500 + i), { n: -i });
    for (let i = 20; i < 30; i++) index.delete(`k${i}`);

    const controller = new AbortController();
    await expectCodeAsync(() => syncToPostgres(index, {
      connection: client, table: T('s_fail'), batchSize: 3, signal: controller.signal,
      onProgress: ({ done }) => { if (done >= 6) controller.abort(); },
    }), 'ABORTED');
    const boom = new Error('progress callback failed');
    await expect(syncToPostgres(index, {
      connection: client, table: T('s_fail'), batchSize: 3, onProgress: ({ done }) => { if (done >= 9) throw boom; },
    })).rejects.toBe(boom);
    expect((await client.query(`select key, embedding::text, metadata from ${T('s_fail')} order by key`)).rows).toEqual(before);
    expect(await cursorOf(T('s_fail'))).toBe(cursor);
    // No session was left idle inside the rolled-back transaction.
    expect((await client.query("select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%'")).rows[0].n).toBe(0);

    expect(await syncToPostgres(index, { connection: client, table: T('s_fail') })).toMatchObject({ mode: 'incremental', upserted: 20, deleted: 10 });
    await expectTableEqualsIndex(T('s_fail'), index);
    index.close();
  });

  it('refuses a table it did not create, another dimension, an index in memory, and a hostile table name', async () => {
    const index = await HnswIndex.open<Meta>(join(dir, 'c.mvi'), { dimension: DIM, M: 8, efConstruction: 40 });
    index.insert('a', vec(1), { n: 1 });
    await exportToPostgres(index, { connection: client, table: T('s_exported') });
    const rows = (await client.query(`select key from ${T('s_exported')}`)).rows;
    await expectCodeAsync(() => syncToPostgres(index, { connection: client, table: T('s_exported') }), 'INVALID_ARGUMENT');
    expect((await client.query(`select key from ${T('s_exported')}`)).rows).toEqual(rows);

    await syncToPostgres(index, { connection: client, table: T('s_dim') });
    const other = await HnswIndex.open<Meta>(join(dir, 'd.mvi'), { dimension: DIM + 1, M: 8, efConstruction: 40 });
    other.insert('z', new Float32Array(DIM + 1).fill(1));
    await expectCodeAsync(() => syncToPostgres(other, { connection: client, table: T('s_dim') }), 'DIMENSION_MISMATCH');
    await expectTableEqualsIndex(T('s_dim'), index);

    const memory = await HnswIndex.create({ dimension: DIM });
    await expectCodeAsync(() => syncToPostgres(memory, { connection: client, table: T('s_mem') }), 'INVALID_ARGUMENT');
    for (const table of ['x; drop table s_dim', 'a"b', '$1', 'a\\b', 'x'.repeat(64)]) {
      await expectCodeAsync(() => syncToPostgres(index, { connection: client, table }), 'INVALID_ARGUMENT');
    }
    await expectCodeAsync(() => syncToPostgres(index, { connection: client, table: T('s_dim'), batchSize: 0 }), 'INVALID_ARGUMENT');
    await expectTableEqualsIndex(T('s_dim'), index);
    for (const x of [index, other, memory]) x.close();
  });
});
