/**
 * Argument checks shared by every public entry point. Each check runs BEFORE anything is changed, so
 * bad input leaves a store exactly as it was.
 */
import { MemvecError } from './errors.js';

export type VectorInput = Float32Array | Float64Array | readonly number[];

/**
 * A value as an error message quotes it, with its type where the printed form would hide it: `"3"
 * (string)` is not `3`. Short strings verbatim, never a whole object or array.
 */
export function describe(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `a string of length ${v.length}` : `${JSON.stringify(v)} (string)`;
    case 'number':
      return String(v);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${String(v)}n (bigint)`;
    case 'boolean':
      return `${String(v)} (boolean)`;
    case 'function':
      return 'a function';
    case 'symbol':
      return `${String(v)} (symbol)`;
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of length ${v.length}`;
      if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
      return 'an object';
  }
}

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // typeof guards plain arrays holding strings or undefined; the subtraction rejects NaN and ±Infinity.
    if (typeof x !== 'number' || x - x !== 0) {
      throw new MemvecError('INVALID_VECTOR', `${what} has a non-finite value (${describe(x)}) at index ${i}`);
    }
  }
}

function isVectorLike(v: unknown): v is VectorInput {
  return v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v);
}

/** One vector of `dim` finite numbers, as a Float32Array (the input itself when it already is one). */
export function toVector(input: unknown, dim: number, what = 'vector'): Float32Array {
  if (!isVectorLike(input)) {
    throw new MemvecError('INVALID_VECTOR', `${what} must be a Float32Array or an array of numbers, got ${describe(input)}`);
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
    throw new MemvecError('INVALID_VECTOR', `${what} must be a flat Float32Array or an array of vectors, got ${describe(input)}`);
  }
  const data = new Float32Array(input.length * dim);
  input.forEach((row, i) => data.set(toVector(row, dim, `${what}[${i}]`), i * dim));
  return { data, count: input.length };
}

/** A whole number in [min, max]. */
export function checkInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new MemvecError('INVALID_ARGUMENT', `${name} must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number (e.g. a minimum score). */
export function checkNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MemvecError('INVALID_ARGUMENT', `${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MemvecError('ABORTED', 'the operation was aborted', { cause: signal.reason });
}

/**
 * Cosine has no direction for an all-zero row: every row of `data` (n·dim) must have one. Checked
 * for a whole batch before any row is used, so a batch with one zero row inserts nothing.
 */
export function checkNonZero(data: Float32Array, dim: number, what: (row: number) => string): void {
  for (let row = 0, at = 0; at < data.length; row++, at += dim) {
    let zero = true;
    for (let j = at; j < at + dim && zero; j++) zero = data[j] === 0;
    if (zero) throw new MemvecError('INVALID_VECTOR', `${what(row)} is all zeros: it has no cosine direction`);
  }
}

// ---------------------------------------------------------------- options objects

/**
 * The option names of an options type, listed once per call site. The list must name every property
 * of T and nothing else (the compiler says which name is missing), so adding an option to an options
 * interface without listing it here fails the typecheck instead of being rejected at run time.
 *   const SEARCH_OPTIONS = optionNames<HnswSearchOptions>()(['ef', 'minScore', 'filter']);
 */
export function optionNames<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    names: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> }),
  ): readonly string[] => names;
}

/** Levenshtein distance, case-insensitive: `efconstruction` is 0 away from `efConstruction`. */
function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * An optional options argument: undefined (→ {}), or a plain object whose every own key is one of
 * `allowed`. Anything else is INVALID_ARGUMENT: a misspelt option must never silently change what a
 * call does. The values are each call site's to check.
 */
export function checkOptionKeys<T extends object>(options: T | undefined, allowed: readonly string[], what: string): Partial<T> {
  if (options === undefined) return {};
  const o: unknown = options;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new MemvecError('INVALID_ARGUMENT', `${what} must be an object, got ${describe(o)}`);
  }
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const hint = allowed.length === 0 ? 'it takes no options' : `did you mean "${closestName(key, allowed)}"? valid: ${allowed.join(', ')}`;
    throw new MemvecError('INVALID_ARGUMENT', `unknown option "${key}" in ${what} (${hint})`);
  }
  return o;
}

/** The name in `names` nearest to `typed` (for "did you mean"). */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  let closest = names[0];
  for (const name of names) if (editDistance(typed, name) < editDistance(typed, closest!)) closest = name;
  return closest;
}

/** One of a fixed set of strings (an enum-like option). */
export function checkChoice<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new MemvecError('INVALID_ARGUMENT', `${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}
