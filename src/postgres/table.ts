/**
 * The table memvec writes: `key text primary key, embedding vector(d), metadata jsonb`. An existing
 * table is used only when it has exactly that shape and dimension; anything else is refused, since
 * writing into a table memvec did not lay out could corrupt someone else's data.
 */
import { MemvecError } from 'memvec';
import { run, type Session } from './connection.js';
import type { TableName } from './identifiers.js';

export type TableState = { exists: false } | { exists: true; dimension: number };

/** The shape of `t` if it exists: DIMENSION_MISMATCH / INVALID_ARGUMENT when it is not memvec's. */
export async function inspectTable(s: Session, t: TableName, dimension: number | undefined): Promise<TableState> {
  const [found] = await run(s, 'select to_regclass($1)::oid as oid', [t.sql]);
  const oid: unknown = found?.oid;
  if (oid === null || oid === undefined) return { exists: false };
  const columns = await run(
    s,
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [oid],
  );
  const [pk] = await run(
    s,
    `select array_agg(a.attname::text) as cols from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = $1 and i.indisprimary`,
    [oid],
  );
  const shape = columns.map((c: { name: string; type: string }) => `${c.name} ${c.type}`);
  const vector = /^embedding vector\((\d+)\)$/.exec(shape[1] ?? '');
  const ok = shape.length === 3 && shape[0] === 'key text' && vector !== null && shape[2] === 'metadata jsonb'
    && Array.isArray(pk?.cols) && pk.cols.length === 1 && pk.cols[0] === 'key';
  if (!ok) {
    throw new MemvecError(
      'INVALID_ARGUMENT',
      `table ${t.sql} exists but is not (key text primary key, embedding vector(d), metadata jsonb): it has (${shape.join(', ')})`,
    );
  }
  const found_ = Number(vector[1]);
  if (dimension !== undefined && found_ !== dimension) {
    throw new MemvecError('DIMENSION_MISMATCH', `table ${t.sql} holds vector(${found_}), the source has dimension ${dimension}`);
  }
  return { exists: true, dimension: found_ };
}

export async function createTable(s: Session, t: TableName, dimension: number): Promise<void> {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16000) {
    throw new MemvecError('INVALID_ARGUMENT', `pgvector's vector type holds 1 to 16000 dimensions, not ${dimension}`);
  }
  // `dimension` is a checked integer: a type modifier cannot be a bound parameter.
  await run(s, `create table ${t.sql} (key text primary key, embedding vector(${dimension}) not null, metadata jsonb)`);
}
