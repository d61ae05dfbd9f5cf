// Child process of the parallel-batch crash test: opens the index and applies ops from argv[3] on,
// printing "done i" after each returns (is durable), until it is killed.
import { writeSync } from 'node:fs';
import { HnswIndex } from '../../dist/index.js';
import { applyOp, CONFIG } from './crash-threads-workload.mjs';

const [path, start, backend] = process.argv.slice(2);
const index = await HnswIndex.open(path, { ...CONFIG, backend });
writeSync(1, 'ready\n');
for (let i = Number(start); ; i++) {
  await applyOp(index, i);
  writeSync(1, `done ${i}\n`);
}
