/**
 * The one writer lock that every disk backend honours, in Node, Bun and Deno alike: a file
 * `<path>.lock` beside the store, created exclusively, holding the writer's pid. Why not flock: node:fs
 * has none, and the fs backend is the default wherever the native addon is missing (macOS, Windows,
 * arm64, bundled apps). A flock (mmap, deno) and a pid file (fs) did not see each other, so two writers
 * through different backends both got in. A lock file that every backend makes the same way is seen by
 * all of them. (The mmap and deno backends still flock the file they open; that only adds a check.)
 *
 * The lock belongs to the path, not to an open file: creating a file by rename, saving a snapshot over a
 * path and compaction all hold it across the rename, so no writer's file is ever replaced under it.
 *
 * A lock whose process is gone (SIGKILL, power loss) is taken over by the next writer. Limits, also in
 * the README: a pid is checked on this machine only, so a directory shared between machines (NFS) or
 * between pid namespaces (containers on one volume) is not protected; and if a dead writer's pid is
 * reused by an unrelated process, its lock reads as held: the LOCKED error names the file to remove.
 */
import { MemvecError } from '../errors.js';
import { ioError } from './io-error.js';
import type { WriterLock } from './types.js';

/** The few file operations the protocol needs, from each runtime's own API. */
export interface LockFs {
  /** Creates `path` holding `text` unless it exists already: false if it did. */
  createExclusive(path: string, text: string): boolean;
  /** The file's text, or null if there is no such file. */
  readText(path: string): string | null;
  /** Milliseconds since the file was last written, or null if there is no such file. */
  ageMs(path: string): number | null;
  /** Removes the file; no error if it is gone. */
  remove(path: string): void;
  /** The directory of `path` if it does not exist (for a clear error), else undefined. */
  missingDir(path: string): string | undefined;
}

/** A lock file still empty this long after it was made belongs to a writer that died making it. */
const EMPTY_LOCK_GRACE_MS = 10_000;

export const lockPathOf = (path: string): string => `${path}.lock`;

interface Holder {
  pid: number;
  runtime: string;
  since: string;
}

function parseHolder(text: string): Holder | null {
  const [pid, runtime = '', since = ''] = text.split('\n');
  const n = Number(pid);
  return Number.isSafeInteger(n) && n > 0 ? { pid: n, runtime, since } : null;
}

type Proc = { pid?: number; kill?: (pid: number, signal: number) => void };
const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

/** Whether `pid` runs on this machine. Node, Bun and Deno all have process.kill(pid, 0). */
function alive(pid: number): boolean {
  const kill = proc()?.kill;
  if (typeof kill !== 'function') return true; // cannot tell: never take a lock that may be live
  try {
    kill.call(proc(), pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

function heldError(path: string, holder: Holder): MemvecError {
  const self = holder.pid === proc()?.pid;
  const who = self ? 'this process' : `process ${holder.pid}${holder.runtime ? ` (${holder.runtime})` : ''}`;
  return new MemvecError(
    'LOCKED',
    `${path} is open for writing by ${who}${holder.since ? ` since ${holder.since}` : ''}` +
      (self ? '' : `; if no such writer is running, remove ${lockPathOf(path)}`),
  );
}

/**
 * Takes the writer lock of `path` for this process, or throws LOCKED at once (it never waits).
 * `runtime` is recorded for the error another writer sees.
 */
export function takeLock(fs: LockFs, path: string, runtime: string): WriterLock {
  const lockPath = lockPathOf(path);
  const mine = `${proc()?.pid ?? 0}\n${runtime}\n${new Date().toISOString()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = fs.createExclusive(lockPath, mine);
    } catch (err) {
      throw ioError(`take the writer lock of ${path}`, err, () => fs.missingDir(path));
    }
    if (created) return heldLock(fs, path, lockPath, mine);
    const text = fs.readText(lockPath);
    if (text === null) continue; // released meanwhile
    const holder = parseHolder(text);
    if (holder !== null && alive(holder.pid)) throw heldError(path, holder);
    if (holder === null && (fs.ageMs(lockPath) ?? Infinity) < EMPTY_LOCK_GRACE_MS) {
      // Its writer is between creating the file and writing its pid.
      throw new MemvecError('LOCKED', `${path} is being opened for writing by another process`);
    }
    // Stale: its writer is gone. Remove it only if it is still the file we judged, then try again.
    if (fs.readText(lockPath) === text) fs.remove(lockPath);
  }
  throw new MemvecError('LOCKED', `${path}: could not take the writer lock ${lockPath} (other writers keep racing for it)`);
}

function heldLock(fs: LockFs, path: string, lockPath: string, mine: string): WriterLock {
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        // Never remove a lock that is not ours (taken over after we were judged dead).
        if (fs.readText(lockPath) === mine) fs.remove(lockPath);
      } catch {
        // Releasing cannot fail the caller: at worst a stale lock is left, and the next writer takes it over.
      }
    },
  };
}
