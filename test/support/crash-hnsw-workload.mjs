// The deterministic writes of the persistent-HnswIndex crash test, run by the child (on the built
// package) and by the parent (on an in-memory twin from src/). Op i is chosen and filled from i alone,
// and every op changes the index (no op is a no-op), so states after different op counts differ:
// compact() too, as there are always dead slots by then and it rebuilds the graph (which the greedy
// ef 1 searches of observe() tell apart). Ops cover insert, upsert, batchInsert, delete, deleteMany,
// updateMetadata and compact.

// threads: 1: the test compares the child's index with a twin built by the same calls, which only the
// single-threaded build reproduces (test/hnsw-threads-crash.test.ts kills parallel batches).
export const CONFIG = { dimension: 16, M: 8, efConstruction: 32, seed: 3, threads: 1 };
/** Small, so that checkpoints happen every ~20 ops and some kills land inside one. */
export const CHECKPOINT_LOG_BYTES = 4096;

function vector(i, r = 0) {
  const out = new Float32Array(CONFIG.dimension);
  for (let j = 0; j < out.length; j++) out[j] = Math.sin(i * 131 + r * 17 + j * 7) + 0.3 * Math.cos(i + j);
  return out;
}

/**
 * Applies op i (ops run in order from 0) to an HnswIndex. Ops ≡ 6 mod 8 (updateMetadata, deleteMany)
 * change nothing a later op relies on: one in every `compactEvery` ops (a multiple of 8) compacts
 * instead.
 */
export async function applyOp(index, i, compactEvery = 80) {
  if (i % compactEvery === compactEvery - 2) {
    await index.compact();
    return;
  }
  switch (i % 8) {
    case 3:
      // Deletes what op i - 2 inserted (ops ≡ 1 mod 8 are only ever deleted here).
      if (!index.delete(`k${i - 2}`)) throw new Error(`op ${i}: k${i - 2} missing`);
      return;
    case 4:
      // Upserts what op i - 4 inserted.
      index.insert(`k${i - 4}`, vector(i), { upserted: i });
      return;
    case 5: {
      // A batch of new keys that also upserts what op i - 3 inserted.
      const keys = Array.from({ length: 12 }, (_, r) => (r === 7 ? `k${i - 3}` : `b${i}_${r}`));
      const data = new Float32Array(12 * CONFIG.dimension);
      keys.forEach((_, r) => data.set(vector(i, r + 1), r * CONFIG.dimension));
      await index.batchInsert(data, keys, keys.map((key) => ({ key, i })));
      return;
    }
    case 6:
      if (i % 16 === 6) {
        // New metadata, in place, for what op i - 6 inserted (ops ≡ 0 mod 8 are never deleted).
        index.updateMetadata(`k${i - 6}`, { updated: i });
        return;
      }
      {
        // One commit deleting two rows of the batch op i - 9 wrote, with a repeat and an unknown key.
        const removed = index.deleteMany([`b${i - 9}_1`, `b${i - 9}_2`, 'never-there', `b${i - 9}_1`]);
        if (removed !== 2) throw new Error(`op ${i}: deleteMany removed ${removed}`);
      }
      return;
    case 7:
      if (!index.delete(`b${i - 2}_0`)) throw new Error(`op ${i}: b${i - 2}_0 missing`);
      return;
    default:
      index.insert(`k${i}`, vector(i), i % 3 === 0 ? undefined : { i });
  }
}

/**
 * What the parent compares: size, search results (keys, scores, metadata) for fixed queries, and every
 * live key's metadata (so an updateMetadata is seen wherever it lands).
 */
export function observe(index) {
  const results = [];
  for (let q = 0; q < 6; q++) results.push(index.search(vector(100_000 + q), 10, { ef: 64 }));
  // Greedy searches follow the graph's own links: they differ between a graph and its compaction.
  for (let q = 0; q < 6; q++) results.push(index.search(vector(200_000 + q), 3, { ef: 1 }));
  const metadata = index.keys().sort().map((key) => [key, index.get(key).metadata ?? null]);
  return JSON.stringify({ size: index.size(), results, metadata });
}
