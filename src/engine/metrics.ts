/**
 * Metric names as the API spells them, and the engine's ids for them (assembly/kernels.ts METRIC_*),
 * which hnswInit takes and snapshots store.
 */
export const METRIC_COSINE = 0;
export const METRIC_EUCLIDEAN = 1;
export const METRIC_DOT = 2;

export type MetricName = 'cosine' | 'euclidean' | 'dot';

/** Metric name -> engine id. */
export const METRIC_IDS: Record<MetricName, number> = { cosine: METRIC_COSINE, euclidean: METRIC_EUCLIDEAN, dot: METRIC_DOT };

/** Engine id -> metric name (undefined for an id no metric has). */
export const metricName = (id: number): MetricName | undefined =>
  (Object.keys(METRIC_IDS) as MetricName[]).find((name) => METRIC_IDS[name] === id);
