/**
 * searchPostgres(): top-k from a table exportToPostgres wrote, by pgvector's operator for the metric,
 * as memvec-shaped results ({ key, score, distance, metadata }, scores as memvec gives them), with
 * memvec's object filters run as SQL on the metadata column. The query, k and every filter value are
 * bound parameters.
 *
 * With the table's HNSW index, PostgreSQL answers approximately (hnsw.ef_search, default 40, bounds
 * how many rows a filtered query can return: pgvector's iterative scans lift that). Without an index, or
 * with `SET enable_indexscan = off` on your connection, the answer is exact.
 */
import { type HnswMetric, type MetadataFilter, MemvecError } from 'memvec';
import { compileFilter } from '../filter/filter.js';
import { checkInt, checkNonZero, checkOptionKeys, describe, optionNames, toVector, type VectorInput } from '../validate.js';
import { openSession, type PgConnection, run } from './connection.js';
import { filterToSql } from './filter-sql.js';
import { tableName } from './identifiers.js';
import { pgMetric, vectorLiteral } from './metric.js';

export interface PostgresTarget {
  /** A connection string, or a `pg` Pool or connected Client you own (memvec never closes yours). */
  connection: PgConnection;
  /** `name` or `schema.name`, as given to exportToPostgres. */
  table: string;
  /** The metric the table was exported with (the HNSW index's operator class). */
  metric: HnswMetric;
}

export interface PostgresSearchOptions {
  /** memvec's object filter (MongoDB's rules), run as SQL on the metadata column. */
  filter?: MetadataFilter;
}

export interface PostgresSearchResult<M = unknown> {
  key: string;
  /** Higher is better: cosine similarity, dot product, or negative L2 distance (as memvec scores). */
  score: number;
  /** 1 - cosine similarity, L2 distance, or 1 - dot product (as memvec). */
  distance: number;
  /** undefined for an entry exported without metadata. */
  metadata: M;
}

const TARGET = optionNames<PostgresTarget>()(['connection', 'table', 'metric']);
const SEARCH_OPTIONS = optionNames<PostgresSearchOptions>()(['filter']);

/** The `k` entries of `target.table` nearest to `query`, best first, that pass `options.filter`. */
export async function searchPostgres<M = unknown>(
  target: PostgresTarget, query: VectorInput, k: number, options?: PostgresSearchOptions,
): Promise<PostgresSearchResult<M>[]> {
  const tg = checkOptionKeys(target, TARGET, 'searchPostgres target');
  const t = tableName(tg.table);
  const metric = pgMetric(tg.metric);
  const length = (query as { length?: unknown } | null)?.length;
  if (typeof length !== 'number' || length < 1) throw new MemvecError('INVALID_VECTOR', `query must be a non-empty vector, got ${describe(query)}`);
  const q = toVector(query, length, 'query');
  if (tg.metric === 'cosine') checkNonZero(q, q.length, () => 'query');
  const limit = checkInt(k, 'k', 1, 100_000);
  const o = checkOptionKeys(options, SEARCH_OPTIONS, 'searchPostgres options');
  const where = o.filter === undefined ? { sql: 'true', values: [] } : filterToSql(compileFilter(o.filter), 'metadata', 2);

  const s = await openSession(tg.connection);
  let failed = true;
  try {
    // ORDER BY the operator expression itself, so PostgreSQL can use the HNSW index.
    const rows = await run(
      s,
      `select key, metadata, embedding ${metric.operator} $1::vector as d from ${t.sql}
        where ${where.sql} order by embedding ${metric.operator} $1::vector limit $2`,
      [vectorLiteral(q), limit, ...where.values],
    );
    failed = false;
    return rows.map((r: { key: string; metadata: unknown; d: number }) => ({
      key: r.key, ...metric.toResult(Number(r.d)), metadata: (r.metadata ?? undefined) as M,
    }));
  } finally {
    await s.done(failed);
  }
}
