// Child process for the migrate crash test: opens a persistent index and resumes copying the seeded
// records into it (migrate with skipExisting), printing "done n" after each batch commits (n = entries
// in the index, all durable). Once the copy is complete it prints "complete" and waits to be killed.
import { writeSync } from 'node:fs';
// Both through the package's own name, as a user imports them: dist/migrate.js imports the core as
// 'memvec', so HnswIndex must come from the same place (Bun maps 'memvec' by the repository's tsconfig).
import { HnswIndex } from 'memvec';
import { migrate } from 'memvec/migrate';
import { BATCH, CONFIG, records } from './crash-migrate-workload.mjs';

const [path] = process.argv.slice(2);
const index = await HnswIndex.open(path, CONFIG);
writeSync(1, 'ready\n');
await migrate(records(), index, {
  batchSize: BATCH,
  skipExisting: true,
  onProgress: () => writeSync(1, `done ${index.size()}\n`),
});
writeSync(1, 'complete\n');
setInterval(() => {}, 1000);
