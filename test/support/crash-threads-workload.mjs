// The workload of the parallel-batch crash test (test/hnsw-threads-crash.test.ts): op i is a
// batchInsert of ROWS rows on two threads (every third one also upserts keys of the batch before it),
// and every fifth op a compaction on two threads. Vectors are a function of (op, row), so the test can
// tell which ops a reopened index holds without a twin: graphs built on threads are never the same twice.
export const DIM = 16;
export const ROWS = 400;
export const CONFIG = { dimension: DIM, metric: 'euclidean', M: 8, efConstruction: 40, threads: 2 };

/** Row r of op i: its key and vector. */
export function rowOf(i, r) {
  const upsert = i % 3 === 2 && r < 60 && i > 0;
  const key = upsert ? `b${i - 1}_${r}` : `b${i}_${r}`;
  // mulberry32 seeded by (op, row): independent, reproducible values.
  let s = (i * 100_003 + r * 7919 + 1) >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const vector = Float32Array.from({ length: DIM }, () => next() - 0.5);
  return { key, vector };
}

/** Applies op i (a batch, or for i % 5 === 4 a compaction). */
export async function applyOp(index, i) {
  if (i % 5 === 4) {
    await index.compact({ threads: 2 });
    return;
  }
  const data = new Float32Array(ROWS * DIM);
  const keys = [];
  for (let r = 0; r < ROWS; r++) {
    const { key, vector } = rowOf(i, r);
    data.set(vector, r * DIM);
    keys.push(key);
  }
  await index.batchInsert(data, keys);
}

/** key -> vector after ops 0..n-1. */
export function expectedAfter(n) {
  const out = new Map();
  for (let i = 0; i < n; i++) {
    if (i % 5 === 4) continue;
    for (let r = 0; r < ROWS; r++) {
      const { key, vector } = rowOf(i, r);
      out.set(key, vector);
    }
  }
  return out;
}
