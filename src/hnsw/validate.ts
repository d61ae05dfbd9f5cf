/**
 * HnswIndex's argument checks: keys, metadata, index options, and the option objects of search, save,
 * load and the long calls. Each runs BEFORE the index is touched, so a bad argument changes nothing.
 * (Vector and number checks shared with MemMapVector are in src/validate.ts.)
 */
import { MemvecError } from '../errors.js';
import type {
  HnswBatchOptions, HnswIndexOptions, HnswLoadOptions, HnswMetric, HnswProgressOptions, HnswSaveOptions, HnswSearchBatchOptions,
  HnswSearchOptions,
} from './types.js';
import { checkChoice, checkInt, checkNumber, checkOptionKeys, describe, optionNames } from '../validate.js';
import { METRIC_IDS } from '../engine/metrics.js';
import { elementType, type Quantization, QUANTIZATIONS } from '../engine/element-type.js';
import type { HnswEngineConfig } from '../engine/hnsw-engine.js';
import { MAX_DIMENSION, MAX_EF, MAX_HNSW_RERANK, MAX_M, MAX_THREADS, MIN_M } from '../limits.js';
import { type EntryFilter, toEntryFilter } from './entry-filter.js';

/** UTF-16 code units. */
export const MAX_KEY_LENGTH = 4096;
const DEFAULTS = { metric: 'cosine' as HnswMetric, M: 16, efConstruction: 200, efSearch: 50, seed: 100, quantization: 'f32' as Quantization };

/**
 * A quantized index's default rerank factor: a search rescores its best k × this candidates with the
 * f32 originals. Measured (bench section quantization, ef 64, 100k × 128 and 50k × 768): the
 * smallest factor whose recall@10 is within 0.01 of f32 for i8 and f16 on both sets (i8 at 1: 0.93
 * against f32's 0.99; 3 and 5 gave 2's recall exactly, 2-15% slower); brute force over the
 * reconstructions agrees (bench/quantization-calibration.mjs: i8 needs 2 for recall 1.0).
 */
export const DEFAULT_RERANK = 2;

/** The options an index keeps for its life (the seed only matters to the engine, at creation). */
export interface Config {
  dimension: number;
  metric: HnswMetric;
  M: number;
  efConstruction: number;
  efSearch: number;
  /** How the engine stores vectors. */
  quantization: Quantization;
  /** The rerank factor of a quantized index that keeps its f32 originals; 0 when it keeps none (and for f32). */
  rerank: number;
  /** The threads option (undefined: every core); not saved with the index. */
  threads: number | undefined;
}

/** The fields of `config` an index keeps (checkOptions' result also carries the seed). */
export function keptConfig(config: Config): Config {
  const { dimension, metric, M, efConstruction, efSearch, quantization, rerank, threads } = config;
  return { dimension, metric, M, efConstruction, efSearch, quantization, rerank, threads };
}

/** What HnswEngine.create takes for an index with this config and level-generator seed. */
export function engineConfig(config: Config, seedLo: number, seedHi: number): HnswEngineConfig {
  return {
    dimension: config.dimension, metric: METRIC_IDS[config.metric], M: config.M, efConstruction: config.efConstruction,
    seedLo, seedHi, element: elementType(config.quantization), originals: config.rerank > 0, threads: config.threads,
  };
}

/** A rerank option's shape alone (a factor or false), before the quantization it goes with is known. */
export function checkRerankShape(value: unknown): void {
  if (value !== false) checkInt(value, 'rerank', 1, MAX_HNSW_RERANK);
}

/** The rerank option: a factor, or false for an index without originals; only for quantized indexes. */
function checkRerank(value: unknown, quantization: Quantization): number {
  if (quantization === 'f32') {
    if (value !== undefined) {
      throw new MemvecError('INVALID_ARGUMENT', `rerank applies to quantized indexes (quantization 'f16' or 'i8'), not to f32`);
    }
    return 0;
  }
  if (value === undefined) return DEFAULT_RERANK;
  checkRerankShape(value);
  return value === false ? 0 : (value as number);
}


export { describe };

// Each options object's names, listed once (the compiler checks each list against its interface).
const CREATE_OPTIONS = optionNames<HnswIndexOptions>()([
  'dimension', 'metric', 'M', 'efConstruction', 'efSearch', 'seed', 'quantization', 'rerank', 'threads',
]);
const SEARCH_OPTIONS = optionNames<HnswSearchOptions>()(['ef', 'minScore', 'filter', 'rerank']);
const SEARCH_BATCH_OPTIONS = optionNames<HnswSearchBatchOptions>()(['ef', 'minScore', 'filter', 'rerank', 'threads']);
export const SAVE_OPTIONS = optionNames<HnswSaveOptions>()(['backend']);
export const LOAD_OPTIONS = optionNames<HnswLoadOptions>()(['backend', 'signal', 'onProgress', 'threads']);
export const PROGRESS_OPTIONS = optionNames<HnswProgressOptions>()(['signal', 'onProgress']);
export const BATCH_OPTIONS = optionNames<HnswBatchOptions>()(['signal', 'onProgress', 'threads']);

/** A threads option: undefined (the default), or a whole number of threads from 1 to MAX_THREADS. */
export function checkThreads(value: unknown): number | undefined {
  return value === undefined ? undefined : checkInt(value, 'threads', 1, MAX_THREADS);
}

// In unicode mode \p{Cs} matches only unpaired surrogates, which UTF-8 cannot encode (they would not
// survive a save and load).
const LONE_SURROGATE = /\p{Cs}/u;

/** A key that may be stored: it must survive a save and load unchanged. */
export function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new MemvecError(
      'INVALID_ARGUMENT',
      `${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${describe(key)}`,
    );
  }
  if (LONE_SURROGATE.test(key)) throw new MemvecError('INVALID_ARGUMENT', `${what} contains an unpaired surrogate`);
  return key;
}

/** A key to look up (has, get, delete): any string, since one the index cannot hold is simply absent. */
export function checkLookupKey(key: unknown): string {
  if (typeof key !== 'string') throw new MemvecError('INVALID_ARGUMENT', `key must be a string, got ${describe(key)}`);
  return key;
}

/** Freezes a parsed JSON value all the way down, so callers cannot change what the index stores. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The JSON value `value` serializes to, frozen; throws INVALID_ARGUMENT if it does not serialize. */
export function toStoredMetadata(value: unknown, what: string): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new MemvecError('INVALID_ARGUMENT', `${what} is not JSON-serializable: ${detail}`, { cause: err });
  }
  if (json === undefined) {
    throw new MemvecError('INVALID_ARGUMENT', `${what} is not JSON-serializable (${typeof value})`);
  }
  return deepFreeze(JSON.parse(json));
}

/** HnswIndex.create's options with the defaults filled in (HnswIndex.open checks the ones it is given here too). */
export function checkOptions(options: unknown): Config & { seed: number } {
  if (options === undefined) {
    throw new MemvecError('INVALID_ARGUMENT', 'HnswIndex.create needs an options object with a dimension');
  }
  const o = checkOptionKeys(options as HnswIndexOptions, CREATE_OPTIONS, 'HnswIndex.create options');
  const metric = o.metric ?? DEFAULTS.metric;
  if (!Object.prototype.hasOwnProperty.call(METRIC_IDS, metric)) {
    throw new MemvecError('INVALID_ARGUMENT', `metric must be 'cosine', 'euclidean' or 'dot', got ${describe(metric)}`);
  }
  const quantization = o.quantization === undefined ? DEFAULTS.quantization : checkChoice(o.quantization, 'quantization', QUANTIZATIONS);
  return {
    dimension: checkInt(o.dimension, 'dimension', 1, MAX_DIMENSION),
    metric,
    M: checkInt(o.M ?? DEFAULTS.M, 'M', MIN_M, MAX_M),
    efConstruction: checkInt(o.efConstruction ?? DEFAULTS.efConstruction, 'efConstruction', 1, MAX_EF),
    efSearch: checkInt(o.efSearch ?? DEFAULTS.efSearch, 'efSearch', 1, MAX_EF),
    seed: checkInt(o.seed ?? DEFAULTS.seed, 'seed', 0),
    quantization,
    rerank: checkRerank(o.rerank, quantization),
    threads: checkThreads(o.threads),
  };
}

export function checkProgress(options: HnswProgressOptions): void {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new MemvecError('INVALID_ARGUMENT', `onProgress must be a function, got ${describe(options.onProgress)}`);
  }
  if (options.signal !== undefined && !(typeof options.signal === 'object' && options.signal !== null && 'aborted' in options.signal)) {
    throw new MemvecError('INVALID_ARGUMENT', `signal must be an AbortSignal, got ${describe(options.signal)}`);
  }
}

/** The path of save and load. */
export function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new MemvecError('INVALID_ARGUMENT', `path must be a non-empty string, got ${describe(path)}`);
  }
  return path;
}

/** Search options with the index's efSearch (and rerank factor) filled in. */
export interface SearchParams {
  ef: number;
  /** Candidates rescored with the originals per result wanted; 0: no rerank. */
  rerank: number;
  minScore: number | undefined;
  /** The filter, checked (an object filter compiled once, for this call). */
  filter: EntryFilter | undefined;
  /** searchBatch: this call's threads option (undefined: the index's). */
  threads: number | undefined;
}

export function checkSearchOptions(options: HnswSearchBatchOptions | undefined, config: Config, batch = false): SearchParams {
  const opts = batch ? checkOptionKeys(options, SEARCH_BATCH_OPTIONS, 'searchBatch options') : checkOptionKeys(options, SEARCH_OPTIONS, 'search options');
  const ef = opts.ef === undefined ? config.efSearch : checkInt(opts.ef, 'ef', 1);
  let rerank = config.rerank;
  if (opts.rerank !== undefined) {
    if (rerank === 0) {
      throw new MemvecError('INVALID_ARGUMENT', config.quantization === 'f32'
        ? 'rerank applies to quantized indexes, and this one stores f32'
        : 'this index was created with rerank: false and keeps no originals to rerank with');
    }
    rerank = checkInt(opts.rerank, 'rerank', 1, MAX_HNSW_RERANK);
  }
  const minScore = opts.minScore === undefined ? undefined : checkNumber(opts.minScore, 'minScore');
  const filter = opts.filter === undefined ? undefined : toEntryFilter(opts.filter);
  return { ef, rerank, minScore, filter, threads: checkThreads(opts.threads) };
}
