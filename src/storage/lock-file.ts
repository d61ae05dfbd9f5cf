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
 * A lock whose process is gone (SIGKILL, power loss) is taken over by the next writer, one taker at a
 * time (a `<path>.lock.takeover` file guards the step, so two writers restarting together cannot both
 * remove the stale lock and each think the path is theirs). A lock holding this process's pid but
 * another start time was left by an earlier process that had the same pid (a container's pid 1 after a
 * restart): stale too. Limits, also in the README: a pid is checked on this machine only, so a
 * directory shared between machines (NFS) or between pid namespaces is not protected; when liveness
 * cannot be checked (Deno without --allow-run) or a dead writer's pid was reused by an unrelated
 * process, the lock reads as held, and the LOCKED error names the file to remove.
 */
import { MemvecError } from '../errors.js';
import { ioError } from './io-error.js';
import { heldOnce } from './writer-lock.js';
import type { WriterLock } from './types.js';

/** The few file operations the protocol needs, from each runtime's own API. */
export interface LockFs {
  /** Creates `path` holding `text` unless it exists already: false if it did. Never leaves it half-made. */
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

/**
 * A lock file still empty this long after it was made belongs to a writer that died making it; so
 * does a takeover guard this old.
 */
const GRACE_MS = 10_000;
/** Two readings of this process's start time (now − uptime) differ by clock jitter, not by more. */
const SAME_START_MS = 2_000;

export const lockPathOf = (path: string): string => `${path}.lock`;

interface Holder {
  pid: number;
  runtime: string;
  since: string;
  /** When the holding process started (ms since the epoch), if recorded. */
  started: number | undefined;
}

type Proc = { pid?: number; kill?: (pid: number, signal: number) => void; uptime?: () => number };
const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

/** This process's start time, the same in every thread of it; undefined where there is no uptime(). */
function processStart(): number | undefined {
  const uptime = proc()?.uptime;
  return typeof uptime === 'function' ? Math.round(Date.now() - uptime.call(proc()) * 1000) : undefined;
}

/** A lock's text: pid, runtime, since, process start; each line ends in \n, so a cut-off text is no pid. */
function holderText(runtime: string): string {
  return `${proc()?.pid ?? 0}\n${runtime}\n${new Date().toISOString()}\n${processStart() ?? ''}\n`;
}

function parseHolder(text: string): Holder | null {
  const lines = text.split('\n');
  if (lines.length < 2) return null; // not even the pid's line is complete
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const started = lines[3] ? Number(lines[3]) : undefined;
  return { pid, runtime: lines[1] ?? '', since: lines[2] ?? '', started: Number.isFinite(started) ? started : undefined };
}

/**
 * Whether the holder may still be running. Node, Bun and Deno all have process.kill(pid, 0); only
 * ESRCH proves the process is gone. Any other failure (EPERM: another user's process; Deno's NotCapable
 * without --allow-run) means we cannot tell, and a lock that may be live is never taken.
 */
function alive(holder: Holder): boolean {
  const p = proc();
  if (holder.pid === p?.pid) {
    const mine = processStart();
    // Our pid, but an earlier process's start time: that process is gone.
    return holder.started === undefined || mine === undefined || Math.abs(holder.started - mine) < SAME_START_MS;
  }
  if (typeof p?.kill !== 'function') return true;
  try {
    p.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code !== 'ESRCH';
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
  const mine = holderText(runtime);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (fs.createExclusive(lockPath, mine)) return heldLock(fs, path, lockPath, mine);
      const text = fs.readText(lockPath);
      if (text === null) continue; // released meanwhile
      const holder = parseHolder(text);
      if (holder !== null && alive(holder)) throw heldError(path, holder);
      if (holder === null && (fs.ageMs(lockPath) ?? Infinity) < GRACE_MS) {
        throw new MemvecError('LOCKED', `${path} is being opened for writing by another process`);
      }
      // Stale: its writer is gone.
      if (takeOver(fs, path, lockPath, text, mine)) return heldLock(fs, path, lockPath, mine);
    }
  } catch (err) {
    throw ioError(`take the writer lock of ${path}`, err, () => fs.missingDir(path));
  }
  throw new MemvecError('LOCKED', `${path}: could not take the writer lock ${lockPath} (other writers keep racing for it)`);
}

/**
 * Replaces the stale lock `stale` with ours, one taker at a time: only the process that creates the
 * takeover guard may remove the lock, and only if it still holds the stale text. True if we now hold it.
 */
function takeOver(fs: LockFs, path: string, lockPath: string, stale: string, mine: string): boolean {
  const guard = `${lockPath}.takeover`;
  if (!fs.createExclusive(guard, mine)) {
    // A taker that died mid-takeover leaves its guard: old enough, it is removed, and we try again.
    if ((fs.ageMs(guard) ?? 0) >= GRACE_MS) fs.remove(guard);
    else throw new MemvecError('LOCKED', `${path} is being taken over by another writer`);
    return false;
  }
  try {
    if (fs.readText(lockPath) !== stale) return false;
    fs.remove(lockPath);
    return fs.createExclusive(lockPath, mine);
  } finally {
    fs.remove(guard);
  }
}

function heldLock(fs: LockFs, path: string, lockPath: string, mine: string): WriterLock {
  return heldOnce(path, () => {
    try {
      // Never remove a lock that is not ours (taken over after we were judged dead).
      if (fs.readText(lockPath) === mine) fs.remove(lockPath);
    } catch {
      // Releasing cannot fail the caller: at worst a stale lock is left, and the next writer takes it over.
    }
  });
}
