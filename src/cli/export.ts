/**
 * memvec export <store> --postgres <url> --table <name>: the store into a PostgreSQL + pgvector table
 * with its HNSW index, in one transaction (exportToPostgres of memvec/postgres: all or nothing, so
 * Ctrl-C or a lost connection leaves no table). Needs `pg` installed beside memvec.
 */
import { isMemvecError, MemvecError } from '../index.js';
import { exportToPostgres } from '../postgres/index.js';
import { intOption, UsageError } from './args.js';
import type { Command } from './command.js';
import { closeStore, openStore } from './open-store.js';
import { count } from './output.js';
import { createProgress } from './progress.js';

export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary: 'Copies a store into a PostgreSQL + pgvector table with an HNSW index, in one transaction.',
    usage: '<store> --postgres <url> --table <name> [options]',
    positionals: ['store'],
    options: {
      postgres: { type: 'string', value: '<url>', help: 'a connection string, postgres://user:password@host:port/database' },
      table: { type: 'string', value: '<name>', help: '`name` or `schema.name` (letters, digits, _); created, or updated if it has the same shape' },
      'batch-size': { type: 'string', value: '<n>', help: 'rows per INSERT, 1 to 10000 (default 500)' },
    },
    more: [
      'Needs the pg package (npm install pg) and a PostgreSQL with the vector extension. The connection',
      'string never appears in messages. An exact store exports its row ids as keys.',
      '',
      'Example:',
      '  memvec export docs.mvi --postgres "$DATABASE_URL" --table app.docs',
    ].join('\n'),
  },

  async run({ args, out, signal }) {
    const { values } = args;
    const path = args.positionals[0]!;
    if (typeof values.postgres !== 'string' || values.postgres === '') throw new UsageError('missing --postgres <url>');
    if (typeof values.table !== 'string' || values.table === '') throw new UsageError('missing --table <name>');
    const batchSize = intOption(values, 'batch-size', 1, 10_000);
    const store = await openStore(path, { write: false, signal });
    let progress: ReturnType<typeof createProgress> | undefined;
    let copied = 0;
    try {
      const summary = await exportToPostgres(store.kind === 'exact' ? store.store : store.index, {
        connection: values.postgres,
        table: values.table,
        ...(batchSize !== undefined && { batchSize }),
        signal,
        onProgress: (p) => {
          progress ??= createProgress({ label: 'export', total: p.total, unit: 'rows' });
          copied = p.copied;
          progress.update(p.copied);
        },
      });
      progress?.finish(summary.copied);
      out.result({ path, ...summary }, () =>
        `exported ${count(summary.copied)} entries of ${path} to ${summary.table} (vector(${summary.dimension}), ${summary.metric}, HNSW m ${summary.m}, ef_construction ${summary.efConstruction})`,
      );
    } catch (err) {
      progress?.stop(copied);
      if (isMemvecError(err, 'ABORTED') && signal.aborted) throw new MemvecError('ABORTED', 'interrupted: the export was rolled back; the table is as it was', { cause: err });
      throw err;
    } finally {
      closeStore(store);
    }
  },
};
