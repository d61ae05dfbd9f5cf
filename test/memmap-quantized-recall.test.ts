// Recall of the quantized exact store (f16, i8: a scan of codes, then the best topK × rerank candidates
// rescored with the f32 originals) against the f32 store on the same vectors: real data (siftsmall,
// normalized: SIFT's values are all ≥ 0 and far from zero, the hard case for per-vector ranges) and
// clustered normalized vectors (the shape of text embeddings). The f32 store is exact, so its top-10 is
// the truth here; scores of rows both return must be identical.
import { describe, expect, it } from 'vitest';
import { loadSiftSmall } from '../data/fvecs.mjs';
import { MemMapVector, DEFAULT_RERANK } from '../src/memmap-vector.js';
import { clusteredVectors } from './support/random.js';
import { row } from './support/rows.js';

function normalized(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += dim) {
    let s = 0;
    for (let j = i; j < i + dim; j++) s += data[j]! * data[j]!;
    const inv = 1 / Math.sqrt(s);
    for (let j = i; j < i + dim; j++) out[j] = data[j]! * inv;
  }
  return out;
}

async function recallAgainstF32(name: string, base: Float32Array, queries: Float32Array, dim: number): Promise<void> {
  const open = (quantization: 'f32' | 'f16' | 'i8') => MemMapVector.open(`/recall-${name}-${quantization}`, { dimension: dim, quantization, backend: 'memory' });
  await using f32 = await open('f32');
  f32.addVectors(base);
  const nq = queries.length / dim;
  const truth = Array.from({ length: nq }, (_, q) => f32.cosineSearch(row(queries, dim, q), { topK: 10, minScore: -1 }));
  for (const quantization of ['f16', 'i8'] as const) {
    await using db = await open(quantization);
    db.addVectors(base);
    const recalls: string[] = [];
    for (const rerank of [1, 2, 3, 4, 5, undefined]) {
      let hits = 0;
      for (let q = 0; q < nq; q++) {
        const got = db.cosineSearch(row(queries, dim, q), { topK: 10, minScore: -1, rerank });
        const want = new Map(truth[q]!);
        for (const [id, score] of got) {
          if (!want.has(id)) continue;
          hits++;
          expect(score).toBe(want.get(id));
        }
      }
      const recall = hits / (nq * 10);
      recalls.push(`R=${rerank ?? `${DEFAULT_RERANK} (default)`}: ${recall.toFixed(4)}`);
      if (rerank === undefined) expect(recall, `${name} ${quantization} at the default rerank`).toBeGreaterThanOrEqual(0.99);
    }
    console.log(`${name} ${quantization} recall@10 vs f32: ${recalls.join(', ')}`);
  }
}

describe('quantized MemMapVector recall against f32', () => {
  it('siftsmall normalized (10k × 128, 100 queries): recall@10 >= 0.99 for f16 and i8 at the default rerank', async () => {
    const { base, queries } = loadSiftSmall();
    await recallAgainstF32('siftsmall', normalized(base.data, base.dim), normalized(queries.data, queries.dim), base.dim);
  });

  it('clustered normalized (20k × 256, 100 held-out queries): recall@10 >= 0.99 for f16 and i8 at the default rerank', async () => {
    const dim = 256;
    const n = 20_000;
    const all = clusteredVectors(n + 100, dim, 100, 17, true);
    await recallAgainstF32('clustered', all.subarray(0, n * dim), all.slice(n * dim), dim);
  });
});
