/**
 * Table names as SQL text. A name is the one thing a caller supplies that cannot be a bound parameter,
 * so it must match a strict pattern (letters, digits, underscores; an optional schema) and is then
 * double-quoted, so it is exactly the name asked for (no case folding, no keyword clash). Anything else
 * is INVALID_ARGUMENT before a connection is opened.
 */
import { MemvecError } from 'memvec';
import { describe } from '../validate.js';

/** PostgreSQL truncates identifiers to 63 bytes: refuse longer ones instead of letting two names collide. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/i;

export interface TableName {
  /** Schema, when the caller named one; otherwise the server's search_path decides. */
  schema: string | undefined;
  table: string;
  /** The quoted, qualified name to splice into SQL: `"schema"."table"` or `"table"`. */
  sql: string;
}

const quote = (id: string): string => `"${id}"`;

/** Checks `name` (`table` or `schema.table`) and quotes it; INVALID_ARGUMENT otherwise. */
export function tableName(name: unknown): TableName {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new MemvecError(
      'INVALID_ARGUMENT',
      `table must be "name" or "schema.name", each a letter or _ then up to 62 letters, digits or _; got ${describe(name)}`,
    );
  }
  const [schema, table] = parts.length === 2 ? [parts[0], parts[1]!] : [undefined, parts[0]!];
  return { schema, table, sql: parts.map(quote).join('.') };
}

/** The HNSW index's name: `<table>_embedding_hnsw`, cut to fit 63 bytes (it lives in the table's schema). */
export function indexName(t: TableName): string {
  const suffix = '_embedding_hnsw';
  return quote(`${t.table.slice(0, 63 - suffix.length)}${suffix}`);
}
