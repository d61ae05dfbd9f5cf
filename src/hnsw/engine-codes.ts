/**
 * The engine's numbers, translated for the facade: metric ids (src/engine/abi.ts) to and from the
 * metric names of the API, and the negative statuses its calls return to MemvecErrors.
 */
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from '../engine/abi.js';
import { MemvecError } from '../errors.js';
import type { HnswMetric } from '../hnsw-index.js';

/** Metric name -> engine id, as hnswInit takes it and snapshots store it. */
export const METRIC_IDS: Record<HnswMetric, number> = { cosine: METRIC_COSINE, euclidean: METRIC_EUCLIDEAN, dot: METRIC_DOT };

/** Engine id -> metric name (undefined for an id no metric has). */
export const metricName = (id: number): HnswMetric | undefined =>
  (Object.keys(METRIC_IDS) as HnswMetric[]).find((name) => METRIC_IDS[name] === id);

const ST_CAPACITY = -1;
const ST_CORRUPT = -3;

/** The error for a failed engine call; `what` says what was being done ("inserting a vector"). */
export function statusError(status: number, what: string): MemvecError {
  if (status === ST_CAPACITY) {
    return new MemvecError(
      'CAPACITY',
      `${what} needs more WASM memory than is left of the 4 GiB that 32-bit WebAssembly can address`,
    );
  }
  if (status === ST_CORRUPT) return new MemvecError('CORRUPT_FILE', `${what}: the graph failed validation`);
  return new MemvecError('INVALID_ARGUMENT', `${what}: the engine rejected the call (status ${status})`);
}
