/**
 * Argument checks shared by every public entry point. Each check runs BEFORE anything is changed, so
 * bad input leaves a store exactly as it was.
 */
import { MemvecError } from './errors.js';

export type VectorInput = Float32Array | Float64Array | readonly number[];

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // typeof guards plain arrays holding strings or undefined; the subtraction rejects NaN and ±Infinity.
    if (typeof x !== 'number' || x - x !== 0) {
      throw new MemvecError('INVALID_VECTOR', `${what} has a non-finite value (${String(x)}) at index ${i}`);
    }
  }
}

function isVectorLike(v: unknown): v is VectorInput {
  return v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v);
}

/** One vector of `dim` finite numbers, as a Float32Array (the input itself when it already is one). */
export function toVector(input: unknown, dim: number, what = 'vector'): Float32Array {
  if (!isVectorLike(input)) {
    throw new MemvecError('INVALID_VECTOR', `${what} must be a Float32Array or an array of numbers`);
  }
  if (input.length !== dim) {
    throw new MemvecError('DIMENSION_MISMATCH', `${what} has ${input.length} values, expected dimension ${dim}`);
  }
  checkFinite(input, what);
  return input instanceof Float32Array ? input : Float32Array.from(input);
}

/**
 * A batch of vectors: a flat Float32Array of n·dim, or an array of vectors. Returns the rows back to
 * back in one Float32Array and their count. Every row is checked before any is used.
 */
export function toBatch(input: unknown, dim: number, what = 'vectors'): { data: Float32Array; count: number } {
  if (input instanceof Float32Array || input instanceof Float64Array) {
    if (input.length % dim !== 0) {
      throw new MemvecError(
        'DIMENSION_MISMATCH',
        `${what} is a flat array of ${input.length} values, not a multiple of dimension ${dim}`,
      );
    }
    checkFinite(input, what);
    return { data: input instanceof Float32Array ? input : Float32Array.from(input), count: input.length / dim };
  }
  if (!Array.isArray(input)) {
    throw new MemvecError('INVALID_VECTOR', `${what} must be a flat Float32Array or an array of vectors`);
  }
  const data = new Float32Array(input.length * dim);
  input.forEach((row, i) => data.set(toVector(row, dim, `${what}[${i}]`), i * dim));
  return { data, count: input.length };
}

/** A whole number in [min, max]. */
export function checkInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new MemvecError('INVALID_ARGUMENT', `${name} must be an integer ${range}, got ${String(value)}`);
  }
  return value;
}

/** A finite number (e.g. a minimum score). */
export function checkNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MemvecError('INVALID_ARGUMENT', `${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MemvecError('ABORTED', 'the operation was aborted', { cause: signal.reason });
}
