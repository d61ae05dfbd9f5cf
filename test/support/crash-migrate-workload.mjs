// The migrate crash test's data, shared by the test and its child: seeded records, the index options
// and the batch size.
import { randomVectors } from '../../data/synthetic.mjs';

export const CONFIG = { dimension: 16, metric: 'euclidean', M: 8, efConstruction: 64 };
export const COUNT = 6000;
export const BATCH = 250;

const data = randomVectors(COUNT, CONFIG.dimension, 2026);

export function* records() {
  for (let i = 0; i < COUNT; i++) {
    yield { key: `r${i}`, vector: data.subarray(i * CONFIG.dimension, (i + 1) * CONFIG.dimension), metadata: { i } };
  }
}
