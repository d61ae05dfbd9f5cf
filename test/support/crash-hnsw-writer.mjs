// Child process for the persistent-HnswIndex crash test: opens the index and applies ops from argv[3]
// on, printing "done i" after each one returns (that is, after it is durable), until it is killed.
import { writeSync } from 'node:fs';
import { HnswIndex } from '../../dist/index.js';
import { applyOp, CHECKPOINT_LOG_BYTES, CONFIG } from './crash-hnsw-workload.mjs';

const [path, start, backend, compactEvery, quantization] = process.argv.slice(2);
const index = await HnswIndex.open(path, { ...CONFIG, quantization, backend, checkpointLogBytes: CHECKPOINT_LOG_BYTES });
writeSync(1, 'ready\n');
for (let i = Number(start); ; i++) {
  await applyOp(index, i, Number(compactEvery));
  writeSync(1, `done ${i}\n`);
}
