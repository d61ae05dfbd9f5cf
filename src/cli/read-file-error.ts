/** An input file that cannot be read is IO naming it in plain words, as memvec's own storage errors are. */
import { MemvecError } from '../index.js';

export function inputIoError(path: string, err: unknown): MemvecError {
  const e = err as NodeJS.ErrnoException;
  const why = e?.code === 'ENOENT' ? 'no such file' : e?.code === 'EACCES' ? 'permission denied' : e?.code === 'EISDIR' ? 'is a directory' : String(e?.message ?? err);
  return new MemvecError('IO', `could not read ${path}: ${why}`, { cause: err });
}

/** A malformed input file: INVALID_ARGUMENT naming the file (and where in it). */
export function badInput(path: string, why: string): MemvecError {
  return new MemvecError('INVALID_ARGUMENT', `${path}: ${why}`);
}
