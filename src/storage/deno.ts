/**
 * Deno.FsFile: positional access through seek + read/write, truncate and syncData. A writer takes the
 * lock file every backend honours (lock-file.ts, made with Deno's own calls) and an exclusive advisory
 * lock on the file (tryLockSync, released when it closes); a second writer gets LOCKED instead of
 * interleaving commits. Readers take no lock: the commit protocol keeps their view whole.
 */
import { MemvecError } from '../errors.js';
import { GuardedFile, withWriterLock } from './guarded-file.js';
import { dirOf, guardCall, ioError } from './io-error.js';
import { type LockFs, takeLock } from './lock-file.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from './types.js';

interface DenoFile {
  seekSync(offset: number, whence: number): number;
  readSync(into: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  truncateSync(len?: number): void;
  syncDataSync(): void;
  syncSync(): void;
  statSync(): { size: number };
  tryLockSync(exclusive?: boolean): boolean;
  close(): void;
}

interface DenoApi {
  openSync(path: string, options: { read?: boolean; write?: boolean; create?: boolean; createNew?: boolean }): DenoFile;
  statSync(path: string): { mtime: Date | null; isDirectory: boolean };
  readTextFileSync(path: string): string;
  removeSync(path: string): void;
  renameSync(from: string, to: string): void;
  SeekMode: { Start: number };
  errors: { NotFound: new () => Error; AlreadyExists: new () => Error };
}

function deno(): DenoApi {
  const api = (globalThis as { Deno?: DenoApi }).Deno;
  if (!api) throw new MemvecError('UNSUPPORTED', 'the deno backend runs only in Deno');
  return api;
}

const isNotFound = (err: unknown): boolean => err instanceof deno().errors.NotFound;

class DenoFsFile extends GuardedFile {
  readonly backend = 'deno' as const;

  constructor(
    private readonly file: DenoFile,
    path: string,
    readOnly: boolean,
    ownLock: WriterLock | null,
  ) {
    super(path, readOnly, ownLock);
  }

  protected rawSize(): number {
    return this.file.statSync().size;
  }

  protected rawRead(offset: number, into: Uint8Array): number {
    this.file.seekSync(offset, deno().SeekMode.Start);
    let done = 0;
    while (done < into.length) {
      const n = this.file.readSync(into.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return done;
  }

  protected rawWrite(offset: number, data: Uint8Array): void {
    this.file.seekSync(offset, deno().SeekMode.Start);
    let done = 0;
    while (done < data.length) done += this.file.writeSync(data.subarray(done));
  }

  protected rawTruncate(size: number): void {
    this.file.truncateSync(size);
  }

  protected rawSync(): void {
    this.file.syncDataSync();
  }

  protected rawClose(): void {
    this.file.close();
  }
}

/** fsync the directory so a rename survives a power cut; some platforms refuse, which is harmless. */
function syncDir(path: string): void {
  try {
    const dir = deno().openSync(dirOf(path), { read: true, write: false });
    try {
      dir.syncSync();
    } finally {
      dir.close();
    }
  } catch {
    // The rename itself is still atomic.
  }
}

const denoLockFs: LockFs = {
  createExclusive(path, text) {
    let file: DenoFile;
    try {
      file = deno().openSync(path, { write: true, createNew: true });
    } catch (err) {
      if (err instanceof deno().errors.AlreadyExists) return false;
      throw err;
    }
    try {
      const bytes = new TextEncoder().encode(text);
      let done = 0;
      while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
    } catch (err) {
      file.close();
      denoLockFs.remove(path); // never leave a lock with no holder in it
      throw err;
    }
    file.close();
    return true;
  },
  readText(path) {
    try {
      return deno().readTextFileSync(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  ageMs(path) {
    try {
      const mtime = deno().statSync(path).mtime;
      return mtime === null ? null : Date.now() - mtime.getTime();
    } catch {
      return null;
    }
  },
  remove(path) {
    try {
      deno().removeSync(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
  missingDir(path) {
    const dir = dirOf(path);
    try {
      deno().statSync(dir);
      return undefined;
    } catch (err) {
      return isNotFound(err) ? dir : undefined;
    }
  },
};

function denoCall<T>(what: string, path: string, op: () => T): T {
  return guardCall(what, op, () => denoLockFs.missingDir(path));
}

const lockPath = (path: string): WriterLock => takeLock(denoLockFs, path, 'deno');

export const denoBackend: StorageBackend = {
  name: 'deno',
  open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    return withWriterLock(path, options, lockPath, (ownLock, name, { readOnly, create }) => {
      const file = denoCall(`open ${name}`, path, () => deno().openSync(path, { read: true, write: !readOnly, create }));
      if (!readOnly) {
        let locked = false;
        try {
          locked = denoCall(`lock ${name}`, path, () => file.tryLockSync(true));
        } finally {
          // A file we could not lock is closed again, whatever the reason (LOCKED or an error).
          if (!locked) file.close();
        }
        if (!locked) throw new MemvecError('LOCKED', `${name} is open for writing in another process`);
      }
      return new DenoFsFile(file, name, readOnly, ownLock);
    });
  },
  async lock(path: string): Promise<WriterLock> {
    return lockPath(path);
  },
  async exists(path: string): Promise<boolean> {
    try {
      deno().statSync(path);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw ioError(`look up ${path}`, err, () => denoLockFs.missingDir(path));
    }
  },
  async remove(path: string): Promise<void> {
    denoCall(`remove ${path}`, path, () => denoLockFs.remove(path));
  },
  async rename(from: string, to: string): Promise<void> {
    denoCall(`replace ${to}`, to, () => deno().renameSync(from, to));
    syncDir(to);
    if (dirOf(from) !== dirOf(to)) syncDir(from);
  },
};
