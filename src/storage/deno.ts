/**
 * Deno.FsFile: positional access through seek + read/write, truncate, syncData, and an exclusive
 * advisory lock (tryLockSync, released when the file closes) so a second writer gets LOCKED instead
 * of interleaving commits. Readers take no lock: the commit protocol keeps their view whole.
 */
import { MemvecError } from '../errors.js';
import { ioError } from './io-error.js';
import type { OpenOptions, StorageBackend, StorageFile } from './types.js';

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
  openSync(path: string, options: { read: boolean; write: boolean; create?: boolean }): DenoFile;
  statSync(path: string): unknown;
  removeSync(path: string): void;
  renameSync(from: string, to: string): void;
  SeekMode: { Start: number };
  errors: { NotFound: new () => Error };
}

function deno(): DenoApi {
  const api = (globalThis as { Deno?: DenoApi }).Deno;
  if (!api) throw new MemvecError('UNSUPPORTED', 'the deno backend runs only in Deno');
  return api;
}

class DenoFsFile implements StorageFile {
  readonly backend = 'deno' as const;
  private file: DenoFile | null;

  constructor(
    file: DenoFile,
    private readonly path: string,
    private readonly readOnly: boolean,
  ) {
    this.file = file;
  }

  private handle(write = false): DenoFile {
    if (this.file === null) throw new MemvecError('CLOSED', `file ${this.path} is closed`);
    if (write && this.readOnly) throw new MemvecError('IO', `file ${this.path} is open read-only`);
    return this.file;
  }

  size(): number {
    return this.handle().statSync().size;
  }

  read(offset: number, into: Uint8Array): number {
    const file = this.handle();
    file.seekSync(offset, deno().SeekMode.Start);
    let done = 0;
    while (done < into.length) {
      const n = file.readSync(into.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return done;
  }

  write(offset: number, data: Uint8Array): void {
    const file = this.handle(true);
    try {
      file.seekSync(offset, deno().SeekMode.Start);
      let done = 0;
      while (done < data.length) done += file.writeSync(data.subarray(done));
    } catch (err) {
      throw ioError(`write to ${this.path}`, err);
    }
  }

  truncate(size: number): void {
    try {
      this.handle(true).truncateSync(size);
    } catch (err) {
      throw ioError(`resize ${this.path}`, err);
    }
  }

  sync(): void {
    if (this.readOnly) return;
    try {
      this.handle().syncDataSync();
    } catch (err) {
      throw ioError(`sync ${this.path}`, err);
    }
  }

  close(): void {
    const file = this.file;
    this.file = null;
    file?.close();
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
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

export const denoBackend: StorageBackend = {
  name: 'deno',
  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    const readOnly = options.readOnly ?? false;
    let file: DenoFile;
    try {
      file = deno().openSync(path, { read: true, write: !readOnly, create: !readOnly && (options.create ?? false) });
    } catch (err) {
      throw ioError(`open ${path}`, err);
    }
    if (!readOnly && !file.tryLockSync(true)) {
      file.close();
      throw new MemvecError('LOCKED', `${path} is open for writing in another process`);
    }
    return new DenoFsFile(file, path, readOnly);
  },
  async exists(path: string): Promise<boolean> {
    try {
      deno().statSync(path);
      return true;
    } catch (err) {
      if (err instanceof deno().errors.NotFound) return false;
      throw ioError(`stat ${path}`, err);
    }
  },
  async remove(path: string): Promise<void> {
    try {
      deno().removeSync(path);
    } catch (err) {
      if (!(err instanceof deno().errors.NotFound)) throw ioError(`remove ${path}`, err);
    }
  },
  async rename(from: string, to: string): Promise<void> {
    try {
      deno().renameSync(from, to);
    } catch (err) {
      throw ioError(`rename ${from} to ${to}`, err);
    }
    syncDir(to);
  },
};
