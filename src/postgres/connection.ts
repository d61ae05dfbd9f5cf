/**
 * Where the SQL goes: a connection string (memvec opens a `pg` Client and closes it when done), or a
 * `pg` Pool or Client the caller owns (memvec never closes it; from a Pool it takes one client for the
 * call and releases it). `pg` is loaded only when memvec opens the connection itself, so a caller who
 * passes their own Pool does not even need it resolvable from here.
 *
 * A connection string may hold a password: it never appears in an error memvec throws. Errors raised
 * while connecting carry a scrubbed message and no `cause` (a URL parser's error keeps the whole input).
 */
import { MemvecError } from 'memvec';

/** What memvec needs of a connection: pg's Client, PoolClient and Pool all have it. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/** A `pg` Pool (or anything with its connect()/release() contract). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error | boolean): void }>;
  readonly totalCount: number;
  readonly idleCount: number;
}

/** A connection string (`postgres://user:password@host:port/db`), or a `pg` Pool or connected Client you own. */
export type PgConnection = string | PgPool | PgQueryable;

export interface Session {
  db: PgQueryable;
  /** Releases a pooled client, closes a client memvec opened; never closes the caller's Client. */
  done(failed: boolean): Promise<void>;
  /** Removes the connection string's secrets from a message. */
  scrub(message: string): string;
}

function isPool(c: object): c is PgPool {
  return 'totalCount' in c && 'idleCount' in c && typeof (c as PgPool).connect === 'function';
}

/** Every form a connection string's password (and the string itself) could take in a message. */
function scrubberFor(connection: string): (message: string) => string {
  const secrets = new Set<string>([connection]);
  try {
    const url = new URL(connection);
    if (url.password) {
      secrets.add(url.password);
      secrets.add(decodeURIComponent(url.password));
    }
  } catch {
    // Not a URL: the key=value form.
  }
  for (const m of connection.matchAll(/password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/gi)) secrets.add(m[1]!.replace(/^'|'$/g, ''));
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (message) => list.reduce((text, secret) => text.split(secret).join('***'), message);
}

const errorCode = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Opens a session on `connection`; IO (scrubbed, no cause) when it cannot connect. */
export async function openSession(connection: unknown): Promise<Session> {
  if (typeof connection === 'string') {
    const scrub = scrubberFor(connection);
    let pg: typeof import('pg');
    try {
      // pg is CommonJS: its namespace is under `default` when imported from ESM.
      const mod = (await import('pg')) as unknown as { default?: typeof import('pg') };
      pg = mod.default ?? (mod as unknown as typeof import('pg'));
    } catch {
      throw new MemvecError('UNSUPPORTED', 'memvec/postgres needs the `pg` package for a connection string: npm install pg');
    }
    let client: InstanceType<typeof pg.Client> | undefined;
    try {
      client = new pg.Client({ connectionString: connection });
      // A dropped connection emits 'error' on the client; the pending query rejects with it anyway.
      client.on('error', () => undefined);
      await client.connect();
    } catch (err) {
      await client?.end().catch(() => undefined);
      const code = errorCode(err);
      throw new MemvecError('IO', `could not connect to PostgreSQL: ${scrub(errorMessage(err))}${code ? ` (${code})` : ''}`);
    }
    const own = client;
    return { db: own, done: async () => { await own.end().catch(() => undefined); }, scrub };
  }
  const scrub = (message: string) => message;
  if (connection !== null && typeof connection === 'object' && isPool(connection)) {
    let client: Awaited<ReturnType<PgPool['connect']>>;
    try {
      client = await connection.connect();
    } catch (err) {
      const code = errorCode(err);
      throw new MemvecError('IO', `could not get a connection from the pool: ${errorMessage(err)}${code ? ` (${code})` : ''}`);
    }
    // A client that failed mid-transaction is destroyed, not returned to the pool.
    return { db: client, done: async (failed) => client.release(failed), scrub };
  }
  if (connection !== null && typeof connection === 'object' && typeof (connection as PgQueryable).query === 'function') {
    return { db: connection as PgQueryable, done: async () => undefined, scrub };
  }
  throw new MemvecError('INVALID_ARGUMENT', 'connection must be a connection string, or a pg Pool or Client');
}

/**
 * Runs one statement; a failure becomes IO with PostgreSQL's message and SQLSTATE (scrubbed), or
 * DIMENSION_MISMATCH when pgvector says the dimensions differ.
 */
export async function run(s: Session, text: string, values?: unknown[]): Promise<any[]> {
  try {
    return (await s.db.query(text, values)).rows;
  } catch (err) {
    const message = s.scrub(errorMessage(err));
    const code = errorCode(err);
    if (/different vector dimensions|expected \d+ dimensions/.test(message)) {
      throw new MemvecError('DIMENSION_MISMATCH', `PostgreSQL: ${message}`);
    }
    throw new MemvecError('IO', `PostgreSQL: ${message}${code ? ` (${code})` : ''}`);
  }
}

/**
 * Runs `work` in one transaction on a session of `connection`: committed if it resolves, rolled back
 * if it throws (and the error is the one that stopped it, not a failed rollback's on a lost connection).
 */
export async function inTransaction<T>(connection: unknown, work: (s: Session) => Promise<T>): Promise<T> {
  const s = await openSession(connection);
  let failed = true;
  try {
    await run(s, 'begin');
    try {
      const result = await work(s);
      await run(s, 'commit');
      failed = false;
      return result;
    } catch (err) {
      await s.db.query('rollback').catch(() => undefined);
      throw err;
    }
  } finally {
    await s.done(failed);
  }
}
