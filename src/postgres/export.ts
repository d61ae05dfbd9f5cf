/**
 * exportToPostgres(): an HnswIndex or MemMapVector becomes a pgvector table and its HNSW index, in ONE
 * transaction: the table, every live entry and the index appear together, or (on an error, an abort,
 * a lost connection) nothing does. Entries go in batches of multi-row INSERTs whose keys, vectors and
 * metadata are all bound parameters.
 */
import { HnswIndex, type HnswMetric, MemMapVector, MemvecError } from 'memvec';
import { checkInt, checkOptionKeys, checkSignal, describe, optionNames } from '../validate.js';
import { inTransaction, type PgConnection, run, type Session } from './connection.js';
import { indexName, tableName, type TableName } from './identifiers.js';
import { pgMetric, vectorLiteral } from './metric.js';
import { createTable, inspectTable } from './table.js';

export interface ExportProgress {
  /** Entries written so far (inside the transaction: visible to others only once it commits). */
  copied: number;
  /** Live entries of the source when the export started. */
  total: number;
}

export interface ExportOptions {
  /** A connection string, or a `pg` Pool or connected Client you own (memvec never closes yours). */
  connection: PgConnection;
  /** `name` or `schema.name`: letters, digits and _ (checked, then quoted). */
  table: string;
  /** Rows per INSERT, in [1, 10000]. Default 500. */
  batchSize?: number;
  /** Aborts between batches: the transaction is rolled back and the call rejects with ABORTED. */
  signal?: AbortSignal;
  /** Called after each batch; if it throws, the export rolls back with its error. */
  onProgress?: (progress: ExportProgress) => void;
  /** MemMapVector source only: the key of row `id` (default: `String(id)`). */
  keyOf?: (id: number) => string;
}

export interface ExportSummary {
  table: string;
  copied: number;
  dimension: number;
  metric: HnswMetric;
  /** The HNSW index's parameters as created (pgvector caps m at 100 and needs ef_construction >= 2m). */
  m: number;
  efConstruction: number;
}

const EXPORT_OPTIONS = optionNames<ExportOptions>()(['connection', 'table', 'batchSize', 'signal', 'onProgress', 'keyOf']);
/** 3 parameters a row, and PostgreSQL allows 65535 a statement. */
const MAX_BATCH = 10_000;

export interface Row {
  key: string;
  vector: Float32Array;
  metadata: unknown;
}

interface Source {
  dimension: number;
  metric: HnswMetric;
  M: number;
  efConstruction: number;
  total: number;
  rows: Iterable<Row>;
}

function sourceOf(source: unknown, keyOf: unknown): Source {
  if (source instanceof HnswIndex) {
    if (keyOf !== undefined) throw new MemvecError('INVALID_ARGUMENT', 'keyOf applies to a MemMapVector source only: an index has keys');
    const index = source as HnswIndex;
    return {
      dimension: index.dimension, metric: index.metric, M: index.M, efConstruction: index.efConstruction,
      total: index.size(), rows: index.entries(),
    };
  }
  if (source instanceof MemMapVector) {
    if (keyOf !== undefined && typeof keyOf !== 'function') throw new MemvecError('INVALID_ARGUMENT', 'keyOf must be a function (id) => key');
    const store = source;
    const key = (keyOf as ((id: number) => string) | undefined) ?? String;
    // MemMapVector searches by cosine; memvec's HnswIndex defaults (M 16, efConstruction 200) for the index.
    return {
      dimension: store.dimension, metric: 'cosine', M: 16, efConstruction: 200, total: store.stat().validVectors,
      rows: (function* () {
        for (let id = 0; id < store.getTotalVectors(); id++) {
          const vector = store.getVectorByVectorId(id);
          if (vector !== null) yield { key: key(id), vector, metadata: undefined };
        }
      })(),
    };
  }
  throw new MemvecError('INVALID_ARGUMENT', `exportToPostgres exports an HnswIndex or a MemMapVector, got ${describe(source)}`);
}

/** A row's parameters; INVALID_ARGUMENT for what PostgreSQL's text and jsonb cannot hold. */
function rowValues(row: Row): [string, string, string | null] {
  if (typeof row.key !== 'string' || row.key.length === 0) throw new MemvecError('INVALID_ARGUMENT', `keyOf returned ${describe(row.key)}, not a key`);
  if (row.key.includes('\u0000')) throw new MemvecError('INVALID_ARGUMENT', `key ${describe(row.key)} contains U+0000, which PostgreSQL text cannot hold`);
  return [row.key, vectorLiteral(row.vector), metadataJson(row.key, row.metadata)];
}

/** Metadata as a jsonb parameter (null for none); INVALID_ARGUMENT for U+0000, which jsonb cannot hold. */
export function metadataJson(key: string, metadata: unknown): string | null {
  if (metadata === undefined) return null;
  const json = JSON.stringify(metadata);
  if (json.includes('\\u0000')) throw new MemvecError('INVALID_ARGUMENT', `the metadata of ${describe(key)} contains U+0000, which jsonb cannot hold`);
  return json;
}

export async function insertBatch(s: Session, t: TableName, rows: Row[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    values.push(...rowValues(row));
    const n = values.length;
    return `($${n - 2}, $${n - 1}::vector, $${n}::jsonb)`;
  });
  // An existing table of the right shape is updated in place: a key exported again takes the new value.
  await run(
    s,
    `insert into ${t.sql} (key, embedding, metadata) values ${tuples.join(', ')}
     on conflict (key) do update set embedding = excluded.embedding, metadata = excluded.metadata`,
    values,
  );
}

export async function ensureVectorExtension(s: Session): Promise<void> {
  const [row] = await run(s, "select count(*)::int as n from pg_extension where extname = 'vector'");
  if (row?.n === 0) await run(s, 'create extension vector');
}

/** Copies every live entry of `source` into `options.table` and builds its HNSW index, all or nothing. */
export async function exportToPostgres(source: HnswIndex<any> | MemMapVector, options: ExportOptions): Promise<ExportSummary> {
  const o = checkOptionKeys(options, EXPORT_OPTIONS, 'exportToPostgres options');
  const { t, batchSize } = checkCopyOptions(o);
  const src = sourceOf(source, o.keyOf);
  checkSignal(o.signal);

  return inTransaction(o.connection, async (s) => {
    await ensureVectorExtension(s);
    const state = await inspectTable(s, t, src.dimension);
    if (!state.exists) await createTable(s, t, src.dimension);
    const copied = await copyRows(s, t, src.rows, batchSize, o.signal, (n) => o.onProgress?.({ copied: n, total: src.total }));
    const { m, efConstruction } = await createHnswIndex(s, t, src);
    checkSignal(o.signal);
    return { table: displayName(t), copied, dimension: src.dimension, metric: src.metric, m, efConstruction };
  });
}

/**
 * The options export and sync share, checked before a connection is opened: the table name (quoted),
 * rows per statement, and that onProgress and signal are what they claim.
 */
export function checkCopyOptions(o: { table?: unknown; batchSize?: unknown; onProgress?: unknown; signal?: unknown }): { t: TableName; batchSize: number } {
  const t = tableName(o.table);
  const batchSize = checkInt(o.batchSize ?? 500, 'batchSize', 1, MAX_BATCH);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new MemvecError('INVALID_ARGUMENT', 'onProgress must be a function');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new MemvecError('INVALID_ARGUMENT', 'signal must be an AbortSignal');
  return { t, batchSize };
}

export const displayName = (t: TableName): string => (t.schema ? `${t.schema}.${t.table}` : t.table);

/** Upserts `rows` in batches, checking `signal` before each; returns how many. */
export async function copyRows(
  s: Session, t: TableName, rows: Iterable<Row>, batchSize: number, signal: AbortSignal | undefined, progress: (copied: number) => void,
): Promise<number> {
  let copied = 0;
  let batch: Row[] = [];
  const flush = async () => {
    checkSignal(signal);
    await insertBatch(s, t, batch);
    copied += batch.length;
    batch = [];
    progress(copied);
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  checkSignal(signal);
  return copied;
}

/** The table's HNSW index with the metric's operator class, if it has none; its parameters as made. */
export async function createHnswIndex(
  s: Session, t: TableName, src: { metric: HnswMetric; M: number; efConstruction: number },
): Promise<{ m: number; efConstruction: number }> {
  // pgvector's limits: m in [2, 100], ef_construction in [4, 1000] and at least 2·m.
  const m = Math.min(Math.max(src.M, 2), 100);
  const efConstruction = Math.min(Math.max(src.efConstruction, 2 * m, 4), 1000);
  // m and ef_construction are integers checked above: WITH (...) takes no bound parameters.
  await run(
    s,
    `create index if not exists ${indexName(t)} on ${t.sql} using hnsw (embedding ${pgMetric(src.metric).opclass})
     with (m = ${m}, ef_construction = ${efConstruction})`,
  );
  return { m, efConstruction };
}
