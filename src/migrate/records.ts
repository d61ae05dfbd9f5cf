/**
 * What migrate copies from: a MemMapVector (its live rows, keyed by `keyOf(id)`), or any iterable or
 * async iterable of `{ key, vector, metadata }` records.
 */
import { MemMapVector, MemvecError } from 'memvec';
import { checkKey } from '../hnsw/validate.js';
import type { VectorInput } from '../validate.js';

export interface MigrationRecord {
  key: string;
  vector: VectorInput;
  metadata?: unknown;
}

export type MigrationSource = MemMapVector | Iterable<MigrationRecord> | AsyncIterable<MigrationRecord>;

/** A MemMapVector row id -> the key of its entry in the index. Default: the id as a string ("0", "1", ...). */
export type KeyOf = (id: number) => string;

export const defaultKeyOf: KeyOf = (id) => String(id);

export function checkKeyOf(keyOf: unknown): KeyOf {
  if (keyOf === undefined) return defaultKeyOf;
  if (typeof keyOf !== 'function') throw new MemvecError('INVALID_ARGUMENT', 'keyOf must be a function (id) => key');
  return keyOf as KeyOf;
}

/** The key `keyOf` gives row `id`, checked as the index will check it. */
export function keyOfRow(keyOf: KeyOf, id: number): string {
  return checkKey(keyOf(id), `keyOf(${id})`);
}

/**
 * The live rows of a MemMapVector as records, in id order. The row count is read again at every step,
 * so rows appended while the copy runs are copied too; a row deleted before the copy reaches it is not.
 * Use it to add metadata to a MemMapVector's rows (wrap it in your own generator) before migrate().
 */
export async function* memMapRecords(store: MemMapVector, options: { keyOf?: KeyOf } = {}): AsyncGenerator<MigrationRecord> {
  const keyOf = checkKeyOf(options.keyOf);
  for (let id = 0; id < store.getTotalVectors(); id++) {
    const vector = store.getVectorByVectorId(id);
    if (vector !== null) yield { key: keyOfRow(keyOf, id), vector };
  }
}

/** An async iterator over `source`'s records; INVALID_ARGUMENT if it is no source at all. */
export function recordsOf(source: unknown, keyOf: unknown): AsyncIterator<unknown> {
  if (source instanceof MemMapVector) return memMapRecords(source, { keyOf: checkKeyOf(keyOf) });
  if (keyOf !== undefined) {
    throw new MemvecError('INVALID_ARGUMENT', 'keyOf applies to a MemMapVector source only: records carry their own keys');
  }
  if (source !== null && typeof source === 'object') {
    const s = source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
    const asyncIterator = s[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') return asyncIterator.call(s);
    const syncIterator = s[Symbol.iterator];
    if (typeof syncIterator === 'function') {
      const it = syncIterator.call(s);
      return {
        next: async () => it.next(),
        return: async (value?: unknown) => it.return?.(value) ?? { done: true, value },
      };
    }
  }
  throw new MemvecError('INVALID_ARGUMENT', 'migrate copies from a MemMapVector or an (async) iterable of { key, vector, metadata }');
}
