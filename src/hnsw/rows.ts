/**
 * The rows of insert and batchInsert, validated and converted before any of them touches the index:
 * keys checked, vectors as one Float32Array, metadata as the frozen JSON values that will be stored.
 */
import { MemvecError } from '../errors.js';
import type { LoggedRows } from '../format/hnsw-log-record.js';
import type { HnswEntry, HnswMetric, HnswBatchOptions } from './types.js';
import { checkNonZero, checkOptionKeys, checkSignal, toBatch, toVector } from '../validate.js';
import { BATCH_OPTIONS, checkKey, checkProgress, checkThreads, toStoredMetadata } from './validate.js';

/**
 * The same shape the log records (a persistent index logs exactly the rows it inserts). Compaction's
 * rows (never logged) carry their entries as the engine stores them instead (src/hnsw/compact.ts).
 */
export type Rows = LoggedRows & { stored?: StoredRows };

/** Entries exactly as an engine stores them: codes, norms, and originals where the index keeps them. */
export interface StoredRows {
  codes: Uint8Array[];
  norms: Float32Array;
  originals: Float32Array[] | null;
}

/** insert's one row. */
export function singleRow(key: unknown, vector: unknown, metadata: unknown, dimension: number, metric: HnswMetric): Rows {
  const keys = [checkKey(key)];
  // The message names the entry: in a loop of inserts, which one was wrong matters.
  const what = `the vector of ${JSON.stringify(keys[0]!.length > 40 ? `${keys[0]!.slice(0, 40)}…` : keys[0])}`;
  const data = toVector(vector, dimension, what);
  if (metric === 'cosine') checkNonZero(data, dimension, () => what);
  return { keys, data, metas: [toStoredMetadata(metadata, 'metadata')] };
}

/** A search query; cosine needs a direction, as for stored vectors (euclidean and dot take zeros). */
export function queryRow(query: unknown, dimension: number, metric: HnswMetric): Float32Array {
  const q = toVector(query, dimension, 'query');
  if (metric === 'cosine') checkNonZero(q, dimension, () => 'query');
  return q;
}

/**
 * batchInsert's arguments, in either form: (entries, options?) or (vectors, keys, metadata?, options?).
 * The options are checked before the rows.
 */
export function batchArguments(
  a: unknown, b: unknown, c: unknown, d: unknown, dimension: number, metric: HnswMetric,
): { rows: Rows; options: HnswBatchOptions } {
  const flat = a instanceof Float32Array || a instanceof Float64Array;
  const options = (flat ? d : b) as HnswBatchOptions | undefined;
  const opts = checkOptionKeys(options, BATCH_OPTIONS, 'batchInsert options');
  checkProgress(opts);
  checkSignal(opts.signal);
  checkThreads(opts.threads);
  const rows = flat ? flatRows(a, b, c, dimension) : entryRows(a, dimension);
  // Every row is checked before any is inserted: one zero row and the batch inserts nothing.
  if (metric === 'cosine') checkNonZero(rows.data, dimension, (i) => (flat ? `vectors row ${i}` : `entries[${i}].vector`));
  return { rows, options: opts };
}

function entryRows(entries: unknown, dimension: number): Rows {
  if (!Array.isArray(entries)) {
    throw new MemvecError('INVALID_ARGUMENT', 'batchInsert takes an array of { key, vector, metadata } or (Float32Array, keys, metadata?)');
  }
  const n = entries.length;
  const keys = new Array<string>(n);
  const metas = new Array<unknown>(n);
  const data = new Float32Array(n * dimension);
  for (let i = 0; i < n; i++) {
    const entry = entries[i] as HnswEntry | null | undefined;
    if (entry === null || typeof entry !== 'object') {
      throw new MemvecError('INVALID_ARGUMENT', `entries[${i}] must be an object { key, vector, metadata? }`);
    }
    keys[i] = checkKey(entry.key, `entries[${i}].key`);
    data.set(toVector(entry.vector, dimension, `entries[${i}].vector`), i * dimension);
    metas[i] = toStoredMetadata(entry.metadata, `entries[${i}].metadata`);
  }
  return { keys, data, metas };
}

function flatRows(vectors: unknown, keys: unknown, metadata: unknown, dimension: number): Rows {
  const { data, count } = toBatch(vectors, dimension, 'vectors');
  if (!Array.isArray(keys) || keys.length !== count) {
    throw new MemvecError('INVALID_ARGUMENT', `keys must be an array of ${count} strings, one per vector`);
  }
  if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== count)) {
    throw new MemvecError('INVALID_ARGUMENT', `metadata must be an array of ${count} values, one per vector`);
  }
  const metaIn = metadata as unknown[] | undefined;
  return {
    keys: keys.map((k, i) => checkKey(k, `keys[${i}]`)),
    data,
    metas: Array.from({ length: count }, (_, i) => toStoredMetadata(metaIn?.[i], `metadata[${i}]`)),
  };
}
