// exportToPostgres killed (SIGKILL) midway: the export is one transaction, so the server rolls it back
// when the connection drops, and the table is either absent or complete (killed after the commit).
// Runs the built package (dist/: `npx tsup` first) in a child, against PGlite + pgvector.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startPgvector, type PgvectorServer } from './support/pgvector-server.js';

const WRITER = fileURLToPath(new URL('./support/pg-export-writer.mjs', import.meta.url));

/** Runs the writer and SIGKILLs it as soon as it prints `line`; resolves with everything it printed. */
function killAfter(url: string, table: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, url, table], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(out) : reject(new Error(`writer exited on its own: ${err}`))));
  });
}

describe('exportToPostgres killed midway', () => {
  let server: PgvectorServer;
  beforeAll(async () => {
    server = await startPgvector();
  });
  afterAll(async () => {
    await server.close();
  });

  for (const [table, line] of [['k_first', 'done 100'], ['k_middle', 'done 1100'], ['k_last', 'done 2000'], ['k_after', 'committed']] as const) {
    it(`leaves no table, or the whole table, when killed after "${line}"`, async () => {
      await killAfter(server.url, table, line);
      const client = await connectClient(server.url);
      try {
        const exists = (await client.query('select to_regclass($1) as r', [table])).rows[0].r !== null;
        if (line !== 'committed') {
          expect(exists).toBe(false);
          // And no session was left idle in the killed transaction.
          expect((await client.query("select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%'")).rows[0].n).toBe(0);
        } else {
          expect(exists).toBe(true);
          expect((await client.query(`select count(*)::int as n from ${table}`)).rows[0].n).toBe(2000);
          expect((await client.query('select count(*)::int as n from pg_indexes where tablename = $1', [table])).rows[0].n).toBe(2);
        }
      } finally {
        await client.end();
      }
    });
  }
});
