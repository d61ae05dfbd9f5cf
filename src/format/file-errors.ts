/**
 * The two errors a memvec file reader or writer raises on its own account, written once for every file
 * kind: damage found in a file (CORRUPT_FILE, naming where), and a writer's own invariant broken (a bug
 * in memvec, never the caller's input or the disk).
 */
import { MemvecError } from '../errors.js';

/** A damaged file: `where` (its path, or what was being read) in front of why; null for no prefix. */
export function corrupt(where: string | null, why: string, options?: { cause?: unknown }): MemvecError {
  return new MemvecError('CORRUPT_FILE', where === null ? why : `${where}: ${why}`, options);
}

/**
 * A file writer's own invariant broke (a planned length not met, a write outside its range): memvec's
 * fault, refused before it could damage a file.
 */
export function internalFault(why: string): MemvecError {
  return new MemvecError('INTERNAL', why);
}
