/**
 * compareRecall(): the check that gates switching reads from the exact store to the index (phase 2).
 * It runs the caller's own queries against both and measures recall@k of the index (the share of the
 * exact top-k it also returns) and the mean latency per query of each.
 */
import { type HnswIndex, MemMapVector, MemvecError } from 'memvec';
import { checkInt, checkOptionKeys, checkSignal, optionNames, toBatch } from '../validate.js';
import { checkIndex } from './checks.js';
import { checkKeyOf, type KeyOf } from './records.js';

/** An exact search of your own: the keys of the k nearest entries to `query`, best first. */
export type ExactSearch = (query: Float32Array, k: number) => readonly string[] | Promise<readonly string[]>;

export interface CompareRecallOptions {
  /** Results per query, in [1, 2^20]. Default 10. */
  k?: number;
  /** The index's candidate list size for these queries; default: its efSearch. */
  ef?: number;
  /** MemMapVector only: the key of row `id`, as given to migrate(). Default `String(id)`. */
  keyOf?: KeyOf;
  signal?: AbortSignal;
}

export interface RecallReport {
  /** Of all the exact top-k results over every query, the share the index returned too (1 = every one). */
  recall: number;
  /** The worst single query's recall. */
  minRecall: number;
  /** Mean milliseconds per query of the exact store, and of the index. */
  exactMs: number;
  indexMs: number;
  queries: number;
  k: number;
}

// Cosine similarity is at least -1; a bound below it (f32 rounding can dip under -1) keeps every row,
// where MemMapVector's default minimum score of 0 would drop the opposite ones.
const KEEP_EVERY_SCORE = -2;
// Yield to the event loop this often, so an abort from a timer or an I/O callback can land.
const YIELD_EVERY_MS = 50;

function exactSearchOf(exact: unknown, keyOf: KeyOf, index: HnswIndex): ExactSearch {
  if (typeof exact === 'function') return exact as ExactSearch;
  if (exact instanceof MemMapVector) {
    if (index.metric !== 'cosine') {
      throw new MemvecError('INVALID_ARGUMENT', `a MemMapVector ranks by cosine similarity, the index by ${index.metric}: their top-k would differ by definition`);
    }
    if (exact.dimension !== index.dimension) {
      throw new MemvecError('DIMENSION_MISMATCH', `the store has dimension ${exact.dimension}, the index ${index.dimension}`);
    }
    return (query, k) => exact.cosineSearch(query, { topK: k, minScore: KEEP_EVERY_SCORE }).map(([id]) => keyOf(id));
  }
  throw new MemvecError('INVALID_ARGUMENT', 'exact must be a MemMapVector or a function (query, k) => keys');
}

const COMPARE_OPTIONS = optionNames<CompareRecallOptions>()(['k', 'ef', 'keyOf', 'signal']);

/**
 * Recall@k of `index` against `exact` on `queries` (a flat Float32Array of n·d or an array of vectors),
 * and the latency of each. Queries alternate between the two, so both see the same machine load.
 */
export async function compareRecall(
  exact: MemMapVector | ExactSearch,
  index: HnswIndex,
  queries: Float32Array | ReadonlyArray<ArrayLike<number>>,
  options: CompareRecallOptions = {},
): Promise<RecallReport> {
  checkIndex(index);
  options = checkOptionKeys(options, COMPARE_OPTIONS, 'compareRecall options');
  const k = checkInt(options.k ?? 10, 'k', 1, 1 << 20);
  const ef = options.ef === undefined ? undefined : checkInt(options.ef, 'ef', 1, 1 << 20);
  const search = exactSearchOf(exact, checkKeyOf(options.keyOf), index);
  const { data, count } = toBatch(queries, index.dimension, 'queries');
  if (count === 0) throw new MemvecError('INVALID_ARGUMENT', 'compareRecall needs at least one query');
  checkSignal(options.signal);

  let expected = 0;
  let found = 0;
  let minRecall = 1;
  let exactMs = 0;
  let indexMs = 0;
  let lastYield = performance.now();
  for (let i = 0; i < count; i++) {
    const query = data.subarray(i * index.dimension, (i + 1) * index.dimension);
    const t0 = performance.now();
    const truth = await search(query, k);
    const t1 = performance.now();
    const approx = index.search(query, k, { ef });
    const t2 = performance.now();
    exactMs += t1 - t0;
    indexMs += t2 - t1;
    if (!Array.isArray(truth)) throw new MemvecError('INVALID_ARGUMENT', `the exact search returned ${typeof truth}, not an array of keys`);
    const wanted = new Set(truth.slice(0, k));
    const hits = approx.filter((r) => wanted.has(r.key)).length;
    expected += wanted.size;
    found += hits;
    if (wanted.size > 0) minRecall = Math.min(minRecall, hits / wanted.size);
    if (t2 - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
    checkSignal(options.signal);
  }
  return {
    // No exact results at all (an empty store): nothing was missed.
    recall: expected === 0 ? 1 : found / expected,
    minRecall,
    exactMs: exactMs / count,
    indexMs: indexMs / count,
    queries: count,
    k,
  };
}
