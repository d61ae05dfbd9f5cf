/**
 * Every failure memvec reports on purpose is a MemvecError with a stable `code`, so callers can branch
 * on `err.code` instead of parsing messages. Codes are part of the public API: never rename one.
 */
export type MemvecErrorCode =
  | 'DIMENSION_MISMATCH' // a vector or query has the wrong length
  | 'INVALID_VECTOR' // NaN, Infinity, or a shape that is not a vector
  | 'INVALID_ARGUMENT' // k <= 0, a bad option, a bad key
  | 'UNKNOWN_ID' // an id or key that the store does not hold, where one is required
  | 'CLOSED' // the store or index was closed
  | 'CORRUPT_FILE' // the file is damaged or is not a memvec file
  | 'UNSUPPORTED_VERSION' // a memvec file from a newer (or unknown) format version
  | 'CAPACITY' // the operation would exceed 4 GiB of WASM linear memory or a format limit
  | 'LOCKED' // another writer holds the file
  | 'READ_ONLY' // a write to a store opened with { readOnly: true }
  | 'ABORTED' // an AbortSignal fired during long work
  | 'IO' // the storage backend failed (permissions, disk full, ...)
  | 'UNSUPPORTED' // the runtime lacks a capability the caller asked for
  | 'INTERNAL'; // memvec's own fault, not the caller's: a native panic, an engine that disagrees with its facade

/**
 * The brand every MemvecError carries, in the global symbol registry: an app that loads memvec twice
 * (the CJS build through one dependency, the ESM build through another, or two copies in a bundle)
 * has two MemvecError classes, and `instanceof` of one fails for errors of the other. The brand is
 * what isMemvecError and `instanceof MemvecError` check instead.
 */
const BRAND: unique symbol = Symbol.for('memvec.error') as never;

function isBranded(v: unknown): v is MemvecError {
  return typeof v === 'object' && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
}

export class MemvecError extends Error {
  readonly code: MemvecErrorCode;
  declare readonly [BRAND]: true;

  constructor(code: MemvecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MemvecError';
    this.code = code;
  }

  static {
    // On the prototype, not each error: it stays out of own keys, JSON and test equality.
    Object.defineProperty(this.prototype, BRAND, { value: true });
  }

  /** `err instanceof MemvecError` holds for an error from any copy of memvec. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isBranded(v);
  }
}

/** True for an error from any copy or build of memvec (ESM or CJS), optionally with this code. */
export function isMemvecError(err: unknown, code?: MemvecErrorCode): err is MemvecError {
  return isBranded(err) && (code === undefined || err.code === code);
}
