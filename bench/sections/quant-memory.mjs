// Bytes per vector of each HnswIndex quantization kind (WASM memory, JS-side f32 originals, file on
// disk), and capacity: how many 1536-d vectors one index holds before CAPACITY under a memory ceiling.
// Only bytes matter here, so the graphs are cheap (small efConstruction); the data is seeded and
// generated batch by batch so a capacity fill never holds more than one batch of floats.
// Indexes are created with threads: 1 (issue 11 made every core the default): the single-threaded
// engine, as these numbers were measured before (the threads build's shared memory grows differently).
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredVectors } from '../../data/synthetic.mjs';

export const WASM32_CEILING = 2 ** 32;
const PAGE = 65536;

/** A kind of index: its create() options and a label for the tables. */
export const KINDS = {
  f32: { label: 'f32', opts: {} },
  f16: { label: 'f16', opts: { quantization: 'f16' } },
  i8: { label: 'i8', opts: { quantization: 'i8' } },
  i8bare: { label: 'i8, rerank: false', opts: { quantization: 'i8', rerank: false } },
};

/** The engine behind an index: not public API, read for its memory ceiling and the originals it holds. */
const engineOf = (index) => index.core.engine;

/** The cost model of src/hnsw/stats.ts capacityLeft, per vector: code + layer-0 list + per-slot arrays + upper lists. */
export function modelBytes(dim, kind, M) {
  const q = KINDS[kind].opts.quantization ?? 'f32';
  const code = q === 'f32' ? dim * 4 : q === 'f16' ? dim * 2 : dim + 16;
  return code + (1 + 2 * M) * 4 + 25 + ((1 + M) * 4) / (M - 1);
}

const keysFrom = (start, n) => Array.from({ length: n }, (_, i) => `v${start + i}`);

/**
 * Builds a `kind` index over `data` (n × dim) and measures: WASM memory growth ÷ n (stats().wasmBytes
 * against the empty index), the f32 originals held in JS ÷ n, and the saved file's size ÷ n.
 */
export async function memoryPerVector(lib, { dim, n, data, kind, M = 16, efConstruction = 8 }) {
  const index = await lib.HnswIndex.create({ dimension: dim, metric: 'cosine', M, efConstruction, seed: 7, ...KINDS[kind].opts, threads: 1 });
  try {
    const empty = index.stats().wasmBytes;
    const t0 = performance.now();
    await index.batchInsert(data, keysFrom(0, n));
    const buildMs = performance.now() - t0;
    const wasm = index.stats().wasmBytes - empty;
    const js = engineOf(index).originals?.heldBytes ?? 0;
    const path = join(tmpdir(), `memvec-bench-quant-${process.pid}-${dim}-${kind}.hnsw`);
    rmSync(path, { force: true });
    await index.save(path);
    const disk = statSync(path).size;
    rmSync(path, { force: true });
    return { wasm: wasm / n, js: js / n, disk: disk / n, model: modelBytes(dim, kind, M), buildMs };
  } finally {
    index.close();
  }
}

/**
 * Fills a `kind` index with generated `dim`-d vectors, `batch` at a time, under a memory ceiling of
 * `ceilingBytes`, until an insert fails with CAPACITY (any other error is rethrown). Returns the count
 * held (a multiple of `batch`: a batch is all or nothing), the capacityLeft estimates of the empty
 * index at the default 4 GiB and under the ceiling, and the time. Stops early after `maxMs`.
 */
export async function fillToCapacity(lib, { dim, kind, ceilingBytes, M = 16, efConstruction = 4, batch = 500, maxMs = Infinity, log = () => {} }) {
  const index = await lib.HnswIndex.create({ dimension: dim, metric: 'cosine', M, efConstruction, seed: 7, ...KINDS[kind].opts, threads: 1 });
  try {
    const engine = engineOf(index);
    const leftAt4G = index.stats().capacityLeft;
    const pages = Math.floor(ceilingBytes / PAGE);
    if (pages < engine.memoryLimitPages()) engine.setMemoryLimitPages(pages);
    const ceiling = engine.memoryLimitPages() * PAGE;
    const leftAtCeiling = index.stats().capacityLeft;
    const t0 = performance.now();
    let held = 0;
    let stop = 'CAPACITY';
    for (let b = 0; ; b++) {
      if (performance.now() - t0 > maxMs) {
        stop = `time limit (${Math.round(maxMs / 1000)} s)`;
        break;
      }
      // A new seed per batch: new cluster centres, so no two batches repeat vectors.
      const data = clusteredVectors(batch, dim, 20, 1000 + b);
      try {
        await index.batchInsert(data, keysFrom(held, batch));
      } catch (err) {
        if (err?.code !== 'CAPACITY') throw err;
        break;
      }
      held += batch;
      if (b % 200 === 199) log(`capacity: ${KINDS[kind].label} ${dim}-d: ${held.toLocaleString('en-US')} vectors, ${(index.stats().wasmBytes / 2 ** 20).toFixed(0)} MiB`);
    }
    const ms = performance.now() - t0;
    if (index.size() !== held) throw new Error(`index holds ${index.size()} entries, expected ${held}`);
    return { held, ceiling, leftAt4G, leftAtCeiling, wasmBytes: index.stats().wasmBytes, ms, stop };
  } finally {
    index.close();
  }
}
