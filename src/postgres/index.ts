/**
 * memvec/postgres: moving to PostgreSQL + pgvector when an index outgrows one process.
 *   exportToPostgres  an HnswIndex or MemMapVector → a table (key text, embedding vector(d), metadata
 *                     jsonb) and an HNSW index with the metric's operator class, in one transaction;
 *   syncToPostgres    a persistent HnswIndex → that table, kept equal: the first call copies, later
 *                     calls apply the file's operation log since the last one (its cursor kept in PG);
 *   searchPostgres    top-k from that table, scored as memvec scores, with memvec's object filters as SQL.
 * `pg` (node-postgres) is an optional peer dependency, loaded only for a connection string.
 */
export type { PgConnection, PgPool, PgQueryable } from './connection.js';
export { exportToPostgres } from './export.js';
export type { ExportOptions, ExportProgress, ExportSummary } from './export.js';
export { searchPostgres } from './search.js';
export { syncToPostgres } from './sync.js';
export type { SyncOptions, SyncSummary } from './sync.js';
export type { PostgresSearchOptions, PostgresSearchResult, PostgresTarget } from './search.js';
