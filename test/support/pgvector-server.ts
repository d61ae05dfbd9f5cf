// A real pgvector for tests, no server to install: PGlite (PostgreSQL in WASM) with the pgvector
// extension, served on 127.0.0.1 by pglite-socket and reached through `pg` like any server. The socket
// server takes ONE connection at a time: end a client before opening the next.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

export interface PgvectorServer {
  /** A connection string for it (no password: PGlite accepts any). */
  url: string;
  close(): Promise<void>;
}

export async function startPgvector(): Promise<PgvectorServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  const port = (server as unknown as { port: number }).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * A connected pg Client. pglite-socket refuses (terminates) a connection that arrives before the
 * previous one has fully closed on its side, which pg's end() does not wait for: retry briefly.
 */
export async function connectClient(url: string): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
