// Child process for the crash test: opens the store (argv: path, first op, backend, quantization) and applies ops from argv[3] on, printing
// "done i" after each one returns (that is, after it is durable), until it is killed.
import { writeSync } from 'node:fs';
import { MemMapVector } from '../../dist/index.js';
import { applyToStore, DIM } from './crash-workload.mjs';

const [path, start, backend, quantization] = process.argv.slice(2);
const db = await MemMapVector.open(path, { dimension: DIM, backend, quantization });
writeSync(1, 'ready\n');
for (let i = Number(start); ; i++) {
  await applyToStore(db, i);
  writeSync(1, `done ${i}\n`);
}
