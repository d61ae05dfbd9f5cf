/**
 * memvec's metrics in pgvector's terms: the operator class an HNSW index needs, the distance operator
 * a query orders by, and how pgvector's distance becomes memvec's { score, distance } (so results from
 * both sides compare directly):
 *   cosine     <=> is 1 - cos            score = 1 - d,  distance = d
 *   euclidean  <-> is the L2 distance     score = -d,     distance = d
 *   dot        <#> is MINUS the dot       score = -d,     distance = 1 + d  (memvec's 1 - dot)
 */
import { type HnswMetric, MemvecError } from 'memvec';
import { describe } from '../validate.js';

interface PgMetric {
  opclass: string;
  operator: string;
  toResult(d: number): { score: number; distance: number };
}

const METRICS: Record<HnswMetric, PgMetric> = {
  cosine: { opclass: 'vector_cosine_ops', operator: '<=>', toResult: (d) => ({ score: 1 - d, distance: d }) },
  euclidean: { opclass: 'vector_l2_ops', operator: '<->', toResult: (d) => ({ score: -d, distance: d }) },
  dot: { opclass: 'vector_ip_ops', operator: '<#>', toResult: (d) => ({ score: -d, distance: 1 + d }) },
};

export function pgMetric(metric: unknown): PgMetric {
  if (typeof metric !== 'string' || !Object.prototype.hasOwnProperty.call(METRICS, metric)) {
    throw new MemvecError('INVALID_ARGUMENT', `metric must be "cosine", "euclidean" or "dot", got ${describe(metric)}`);
  }
  return METRICS[metric as HnswMetric];
}

/** pgvector's text form of a vector: every float32 printed exactly (JS prints the double it widens to). */
export function vectorLiteral(v: Float32Array): string {
  return `[${v.join(',')}]`;
}
