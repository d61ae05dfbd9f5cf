/**
 * syncToPostgres(): keeps a pgvector table equal to a persistent HnswIndex. The index file's operation
 * log is the change feed (HnswIndex.changesSince): the first call copies the whole committed state,
 * later calls apply only the changes committed since the last one, in log order.
 *
 * Where the table stands is kept in PostgreSQL, in the same transaction as the rows: a `memvec_sync`
 * table (in the table's schema) holds, per synced table, the feed's cursor. A sync that fails, is
 * aborted or is killed midway rolls back rows and cursor together, so the next call starts from the
 * same place: resumable after a crash, and idempotent (every change sets a key's whole state, so a
 * change applied twice leaves what it left once). Concurrent syncs of one table queue on an advisory
 * lock. When the feed cannot continue from the cursor (a checkpoint folded the log into a new
 * snapshot, or compact() replaced the file), the sync copies the whole committed state again and
 * deletes the rows of keys the index no longer holds: more work, the same result.
 */
import { type HnswChange, HnswIndex, MemvecError } from 'memvec';
import { checkOptionKeys, checkSignal, describe, optionNames } from '../validate.js';
import { inTransaction, type PgConnection, run, type Session } from './connection.js';
import { checkCopyOptions, copyRows, createHnswIndex, displayName, ensureVectorExtension, insertBatch, metadataJson } from './export.js';
import type { TableName } from './identifiers.js';
import { createTable, inspectTable } from './table.js';

export interface SyncOptions {
  /** A connection string, or a `pg` Pool or connected Client you own (memvec never closes yours). */
  connection: PgConnection;
  /** `name` or `schema.name`: letters, digits and _ (checked, then quoted). */
  table: string;
  /** Rows per statement, in [1, 10000]. Default 500. */
  batchSize?: number;
  /** Aborts between statements: everything rolls back, the call rejects with ABORTED. */
  signal?: AbortSignal;
  /** After each statement: changes (or, on a full copy, rows) applied so far, of `total`. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface SyncSummary {
  table: string;
  /** 'full': the whole committed state was copied (first sync, or the log did not continue). */
  mode: 'full' | 'incremental';
  /** Rows inserted or replaced. */
  upserted: number;
  /** Rows deleted. */
  deleted: number;
  /** Rows whose metadata alone changed. */
  updated: number;
}

/** A summary before the table's name is put in. */
type Counts = Omit<SyncSummary, 'table'>;

const SYNC_OPTIONS = optionNames<SyncOptions>()(['connection', 'table', 'batchSize', 'signal', 'onProgress']);
const STATE_TABLE = 'memvec_sync';

const stateTable = (t: TableName): string => (t.schema ? `"${t.schema}"."${STATE_TABLE}"` : `"${STATE_TABLE}"`);

/** Makes `options.table` equal to the committed state of `index` (a persistent index: HnswIndex.open). */
export async function syncToPostgres(index: HnswIndex<any>, options: SyncOptions): Promise<SyncSummary> {
  if (!(index instanceof HnswIndex)) throw new MemvecError('INVALID_ARGUMENT', `syncToPostgres syncs a persistent HnswIndex, got ${describe(index)}`);
  const o = checkOptionKeys(options, SYNC_OPTIONS, 'syncToPostgres options');
  const { t, batchSize } = checkCopyOptions(o);
  if (index.backend === null) throw new MemvecError('INVALID_ARGUMENT', 'syncToPostgres follows the file of a persistent index (HnswIndex.open); this one lives in memory: use exportToPostgres');
  checkSignal(o.signal);
  const progress = (done: number, total: number) => o.onProgress?.({ done, total });

  return inTransaction(o.connection, async (s) => {
    await ensureVectorExtension(s);
    const name = displayName(t);
    // One sync of a table at a time; the lock ends with the transaction.
    await run(s, 'select pg_advisory_xact_lock(hashtext($1))', [`memvec_sync:${name}`]);
    await run(s, `create table if not exists ${stateTable(t)} (table_name text primary key, cursor text not null, synced_at timestamptz not null)`);
    const [row] = await run(s, `select cursor from ${stateTable(t)} where table_name = $1`, [t.table]);
    const cursor = row?.cursor as string | undefined;
    const table = await inspectTable(s, t, index.dimension);
    if (table.exists && cursor === undefined) {
      throw new MemvecError(
        'INVALID_ARGUMENT',
        `table ${name} exists but syncToPostgres did not create it (${STATE_TABLE} has no row for it): sync into a new table, or drop this one`,
      );
    }
    // A cursor whose table was dropped since: start over.
    const feed = await index.changesSince(table.exists ? cursor : undefined);
    try {
      let summary: Counts;
      if (feed.reset) {
        if (!table.exists) await createTable(s, t, index.dimension);
        summary = await copyAll(s, t, feed.reset, batchSize, o.signal, progress);
        await createHnswIndex(s, t, index);
      } else {
        summary = await applyChanges(s, t, feed.changes, batchSize, o.signal, progress);
      }
      checkSignal(o.signal);
      await run(
        s,
        `insert into ${stateTable(t)} (table_name, cursor, synced_at) values ($1, $2, now())
         on conflict (table_name) do update set cursor = excluded.cursor, synced_at = excluded.synced_at`,
        [t.table, feed.cursor],
      );
      return { ...summary, table: name };
    } finally {
      feed.reset?.close();
    }
  });
}

/** Upserts every entry of `state` and deletes the rows of every other key. */
async function copyAll(
  s: Session, t: TableName, state: HnswIndex<any>, batchSize: number, signal: AbortSignal | undefined,
  progress: (done: number, total: number) => void,
): Promise<Counts> {
  const total = state.size();
  const upserted = await copyRows(s, t, state.entries(), batchSize, signal, (n) => progress(n, total));
  // The keys to keep, in a temporary table dropped at commit; then one anti-join delete.
  await run(s, 'create temp table memvec_sync_keep (key text primary key) on commit drop');
  const keys = state.keys();
  for (let i = 0; i < keys.length; i += batchSize) {
    checkSignal(signal);
    await run(s, 'insert into memvec_sync_keep select unnest($1::text[])', [keys.slice(i, i + batchSize)]);
  }
  const gone = await run(s, `delete from ${t.sql} d where not exists (select 1 from memvec_sync_keep k where k.key = d.key) returning 1`);
  return { mode: 'full', upserted, deleted: gone.length, updated: 0 };
}

/**
 * Applies changes in log order, a run of one kind per statement: within a run a key's last change
 * wins (what applying them one by one would leave), and runs keep their order, so every key ends as
 * its last change left it.
 */
async function applyChanges(
  s: Session, t: TableName, changes: readonly HnswChange[], batchSize: number, signal: AbortSignal | undefined,
  progress: (done: number, total: number) => void,
): Promise<Counts> {
  const summary: Counts = { mode: 'incremental', upserted: 0, deleted: 0, updated: 0 };
  let i = 0;
  while (i < changes.length) {
    checkSignal(signal);
    const type = changes[i]!.type;
    const run_ = new Map<string, HnswChange>();
    while (i < changes.length && changes[i]!.type === type && run_.size < batchSize) {
      const c = changes[i++]!;
      run_.delete(c.key); // re-inserted last: the Map keeps the order of last changes
      run_.set(c.key, c);
    }
    const keys = [...run_.keys()];
    const last = [...run_.values()];
    if (type === 'upsert') {
      await insertBatch(s, t, last.filter((c): c is Extract<HnswChange, { type: 'upsert' }> => c.type === 'upsert'));
      summary.upserted += last.length;
    } else if (type === 'delete') {
      const gone = await run(s, `delete from ${t.sql} where key = any($1::text[]) returning 1`, [keys]);
      summary.deleted += gone.length;
    } else {
      const metas = last.map((c) => metadataJson(c.key, c.type === 'metadata' ? c.metadata : undefined));
      const hit = await run(
        s,
        `update ${t.sql} d set metadata = v.m from unnest($1::text[], $2::jsonb[]) as v(k, m) where d.key = v.k returning 1`,
        [keys, metas],
      );
      summary.updated += hit.length;
    }
    progress(i, changes.length);
  }
  return summary;
}
