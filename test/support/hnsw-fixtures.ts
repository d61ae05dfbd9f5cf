// What the HnswIndex behaviour tests (test/hnsw-*.test.ts) share: keys, an exact plain-JS search to
// check answers against, a built index, a snapshot of what a caller can observe, and temporary folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { HnswIndex, type HnswMetric } from '../../src/hnsw-index.js';
import { refCosine, refDot, refL2sq } from './reference.js';
import { row } from './rows.js';

/** A function giving fresh temporary folders, all removed after the calling test file's tests. Call it at a file's top level. */
export function tempDirs(prefix = 'memvec-hnsw-'): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export function keysFor(n: number, prefix = 'k'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Plain-JS exact search with the same score definitions as the index. */
export function refSearch(
  metric: HnswMetric,
  data: Float32Array,
  dim: number,
  q: ArrayLike<number>,
  k: number,
  ids?: number[],
): Array<{ id: number; score: number }> {
  const all = ids ?? Array.from({ length: data.length / dim }, (_, i) => i);
  const scored = all.map((id) => {
    const v = row(data, dim, id);
    const score = metric === 'cosine' ? refCosine(q, v) : metric === 'dot' ? refDot(q, v) : -Math.sqrt(refL2sq(q, v));
    return { id, score };
  });
  scored.sort((a, b) => b.score - a.score || a.id - b.id);
  return scored.slice(0, k);
}

/** An index of `data` (keys k0, k1, ...) built with one batchInsert. */
export async function build(
  data: Float32Array,
  dim: number,
  options: Partial<Parameters<typeof HnswIndex.create>[0]> = {},
  metas?: unknown[],
): Promise<HnswIndex> {
  const index = await HnswIndex.create({ dimension: dim, M: 12, efConstruction: 100, ...options });
  const n = data.length / dim;
  await index.batchInsert(data, keysFor(n), metas);
  return index;
}

/** Everything a caller can observe through a few queries, to compare before and after a failing call. */
export function observe(index: HnswIndex, queries: Float32Array, dim: number): unknown {
  const n = queries.length / dim;
  return {
    size: index.size(),
    results: Array.from({ length: n }, (_, i) => index.search(row(queries, dim, i), 5, { ef: 40 })),
  };
}
