import { MemvecError } from '../errors.js';

/** Wraps a runtime's file-system error in a MemvecError('IO') that keeps the original as `cause`. */
export function ioError(what: string, err: unknown): MemvecError {
  if (err instanceof MemvecError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new MemvecError('IO', `could not ${what}: ${detail}`, { cause: err });
}
