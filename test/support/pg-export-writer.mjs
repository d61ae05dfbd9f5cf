// Child process for the export kill test: builds a deterministic index in memory, then exports it to
// the PostgreSQL at argv[2] into table argv[3] in small batches, printing "done n" after each batch
// (inside the one transaction) and "committed" once exportToPostgres returns. The parent kills it.
import { writeSync } from 'node:fs';
// Through the package's own name, as a user imports them (dist/postgres.js imports the core as 'memvec').
import { HnswIndex } from 'memvec';
import { exportToPostgres } from 'memvec/postgres';

const [url, table] = process.argv.slice(2);
const index = await HnswIndex.create({ dimension: 8, metric: 'euclidean' });
let seed = 1;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
await index.batchInsert(Array.from({ length: 2000 }, (_, i) => ({ key: `w${i}`, vector: Array.from({ length: 8 }, next), metadata: { i } })));
writeSync(1, 'ready\n');
await exportToPostgres(index, {
  connection: url,
  table,
  batchSize: 100,
  onProgress: ({ copied }) => writeSync(1, `done ${copied}\n`),
});
writeSync(1, 'committed\n');
setInterval(() => {}, 1000);
