/**
 * The engine's status codes (assembly/status.ts) and the one place they become MemvecErrors. Engine
 * calls return a status instead of trapping; every binding in src/engine/ passes a failed one here.
 */
import { MemvecError } from '../errors.js';

export const ST_OK = 0;
/** Linear memory would pass its limit (4 GiB in wasm32, lower if a test capped it). */
export const ST_CAPACITY = -1;
/** The engine refused its arguments: the facade checks every argument first, so this is memvec's bug. */
export const ST_INVALID = -2;
/** A loaded graph failed the engine's validation. */
export const ST_CORRUPT = -3;

/** The error for a failed engine call; `what` says what was being done ("inserting a vector"). */
export function statusError(status: number, what: string): MemvecError {
  if (status === ST_CAPACITY) {
    return new MemvecError(
      'CAPACITY',
      `${what} needs more WASM memory than is left of the 4 GiB that 32-bit WebAssembly can address`,
    );
  }
  if (status === ST_CORRUPT) return new MemvecError('CORRUPT_FILE', `${what}: the graph failed validation`);
  return new MemvecError('INTERNAL', `${what}: the engine rejected the call (status ${status}): this is a bug in memvec`);
}

/** Throws statusError unless `status` is ST_OK. */
export function check(status: number, what: string): void {
  if (status !== ST_OK) throw statusError(status, what);
}
