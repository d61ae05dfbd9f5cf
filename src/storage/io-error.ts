/**
 * The one place a runtime's file-system error becomes a MemvecError. Every backend routes every
 * operation through it (guarded-file.ts for open files), so no raw ENOENT, Deno.errors.NotFound or
 * DOMException reaches a caller, and the message names the caller's path in words they can act on.
 */
import { MemvecError } from '../errors.js';

const NOT_FOUND = new Set(['ENOENT', 'NotFound', 'NotFoundError']);

/** The error's errno code (Node, Bun), class name (Deno.errors.*) or DOMException name (OPFS). */
function errorKind(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : undefined;
}

const PLAIN: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  PermissionDenied: 'permission denied',
  NotAllowedError: 'permission denied',
  ENOSPC: 'no space left on the device',
  QuotaExceededError: 'the storage quota is used up',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  IsADirectory: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  NotADirectory: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
};

/**
 * Wraps `err` (thrown while trying to `what`, e.g. "open data/v.mvec") as MemvecError('IO'), keeping
 * it as `cause`. `missingDir` is asked on a not-found error: if it names a directory that does not
 * exist, the message says so rather than pointing at a file the caller never named.
 */
export function ioError(what: string, err: unknown, missingDir?: () => string | undefined): MemvecError {
  if (err instanceof MemvecError) return err;
  const kind = errorKind(err);
  if (kind !== undefined && NOT_FOUND.has(kind)) {
    let dir: string | undefined;
    try {
      dir = missingDir?.();
    } catch {
      dir = undefined;
    }
    const detail = dir !== undefined ? `directory ${dir} does not exist` : 'no such file';
    return new MemvecError('IO', `could not ${what}: ${detail}`, { cause: err });
  }
  const raw = err instanceof Error ? err.message : String(err);
  const plain = kind !== undefined ? PLAIN[kind] : undefined;
  return new MemvecError('IO', `could not ${what}: ${plain !== undefined ? `${plain} (${raw})` : raw}`, { cause: err });
}

/** Runs a file-system call outside an open file, turning what it throws into ioError(what). */
export function guardCall<T>(what: string, op: () => T, missingDir?: () => string | undefined): T {
  try {
    return op();
  } catch (err) {
    throw ioError(what, err, missingDir);
  }
}

/** The directory part of a '/'-separated path ('.' for a bare name). */
export function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? path.slice(0, 1) : path.slice(0, i);
}
