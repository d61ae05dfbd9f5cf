/**
 * The Origin Private File System through FileSystemSyncAccessHandle: synchronous, positional, and only
 * available inside a dedicated Worker. A writer holds the path's Web Lock (webLock below) and the file's
 * sync access handle, which is exclusive per file: a second writer (another tab's worker, say) gets
 * LOCKED, never a half-open store. Readers ask for Chromium's 'read-only' mode, which lets several readers share a file.
 * On a page's main thread there is no sync access: use the memory backend and export its bytes.
 */
import { MemvecError } from '../errors.js';
import { ioError } from './io-error.js';
import { GuardedFile, withWriterLock } from './guarded-file.js';
import { heldOnce } from './writer-lock.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from './types.js';

interface SyncAccessHandle {
  read(into: Uint8Array, options: { at: number }): number;
  write(data: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

interface OpfsFileHandle {
  createSyncAccessHandle(options?: { mode?: 'readwrite' | 'read-only' }): Promise<SyncAccessHandle>;
  move(dir: OpfsDirHandle, name: string): Promise<void>;
}

interface OpfsDirHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>;
  removeEntry(name: string): Promise<void>;
}

/** The OPFS of this origin, or UNSUPPORTED where there is none (Node, Bun, Deno, edge runtimes). */
function opfs(): { getDirectory: () => Promise<OpfsDirHandle> } {
  const storage = (globalThis as unknown as { navigator?: { storage?: { getDirectory?: () => Promise<OpfsDirHandle> } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== 'function') {
    throw new MemvecError(
      'UNSUPPORTED',
      "the 'opfs' backend needs a browser's Origin Private File System (navigator.storage.getDirectory), used from a dedicated Worker",
    );
  }
  return storage as { getDirectory: () => Promise<OpfsDirHandle> };
}

async function root(): Promise<OpfsDirHandle> {
  return opfs().getDirectory();
}

/** The names along "a/b/c.mvec" from the OPFS root, file name last. */
function pathParts(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new MemvecError('INVALID_ARGUMENT', `'${path}' is not a valid OPFS file path`);
  return parts;
}

/**
 * Splits "a/b/c.mvec" into the directory handle for "a/b" and the name "c.mvec". Unlike the disk
 * backends, a writer's open creates missing directories: OPFS has no other way to make them.
 */
async function locate(path: string, create: boolean): Promise<{ dir: OpfsDirHandle; name: string }> {
  const parts = pathParts(path);
  const name = parts.pop()!;
  let dir = await root();
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create });
  return { dir, name };
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === 'NotFoundError' || (err as { name?: string })?.name === 'TypeMismatchError';
}

class OpfsFile extends GuardedFile {
  readonly backend = 'opfs' as const;

  constructor(
    private readonly handle: SyncAccessHandle,
    path: string,
    readOnly: boolean,
    ownLock: WriterLock | null,
  ) {
    super(path, readOnly, ownLock);
  }

  protected rawSize(): number {
    return this.handle.getSize();
  }

  protected rawRead(offset: number, into: Uint8Array): number {
    let done = 0;
    while (done < into.length) {
      const n = this.handle.read(into.subarray(done), { at: offset + done });
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  protected rawWrite(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += this.handle.write(data.subarray(done), { at: offset + done });
  }

  protected rawTruncate(size: number): void {
    this.handle.truncate(size);
  }

  protected rawSync(): void {
    this.handle.flush();
  }

  protected rawClose(): void {
    this.handle.close();
  }
}

interface LockManager {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

/**
 * A path's writer lock in the browser: a Web Lock named after it, held until released. Web Locks are
 * per origin, like OPFS, and span every tab and worker, so saving over a path another worker is writing
 * to gets LOCKED, as on disk. (An open writer also holds the exclusive sync access handle.)
 */
async function webLock(path: string): Promise<WriterLock> {
  opfs(); // a path's lock means nothing where there is no OPFS to write it to
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined) {
    throw new MemvecError('UNSUPPORTED', `cannot lock ${path}: this runtime has no Web Locks API (navigator.locks)`);
  }
  // Named after the file, not the spelling: 'a/x', '/a/x' and './a/x' are one file, so one lock.
  const name = `memvec:${pathParts(path).join('/')}`;
  return new Promise<WriterLock>((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          reject(new MemvecError('LOCKED', `${path} is open for writing (in this or another worker or tab)`));
          return;
        }
        // The lock is held until this promise settles, that is, until release().
        return new Promise<void>((done) => resolve(heldOnce(path, done)));
      })
      .catch((err: unknown) => reject(ioError(`lock ${path}`, err)));
  });
}

export const opfsBackend: StorageBackend = {
  name: 'opfs',
  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    // Checked before touching OPFS, so a failed open on the wrong thread leaves no empty file behind.
    const handleClass = (globalThis as { FileSystemFileHandle?: { prototype: Partial<OpfsFileHandle> } }).FileSystemFileHandle;
    if (handleClass !== undefined && typeof handleClass.prototype.createSyncAccessHandle !== 'function') {
      throw new MemvecError(
        'UNSUPPORTED',
        `cannot open ${path}: OPFS sync access handles exist only inside a dedicated Worker; open the store ` +
          `from a Worker, or use the 'memory' backend on this thread`,
      );
    }
    return withWriterLock(path, options, webLock, async (ownLock, label, { readOnly, create }) => {
      let file: OpfsFileHandle;
      try {
        const { dir, name } = await locate(path, create);
        file = await dir.getFileHandle(name, { create });
      } catch (err) {
        throw ioError(`open ${label}`, err);
      }
      try {
        const handle = await file.createSyncAccessHandle(readOnly ? { mode: 'read-only' } : undefined);
        return new OpfsFile(handle, label, readOnly, ownLock);
      } catch (err) {
        if ((err as { name?: string })?.name === 'NoModificationAllowedError') {
          throw new MemvecError('LOCKED', `${label} is open (in this or another worker or tab)`, { cause: err });
        }
        throw ioError(`open ${label}`, err);
      }
    });
  },
  lock: webLock,
  async exists(path: string): Promise<boolean> {
    try {
      const { dir, name } = await locate(path, false);
      await dir.getFileHandle(name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw ioError(`look up ${path}`, err);
    }
  },
  async remove(path: string): Promise<void> {
    try {
      const { dir, name } = await locate(path, false);
      await dir.removeEntry(name);
    } catch (err) {
      if (!isNotFound(err)) throw ioError(`remove ${path}`, err);
    }
  },
  async rename(from: string, to: string): Promise<void> {
    try {
      const source = await locate(from, false);
      const target = await locate(to, true);
      const file = await source.dir.getFileHandle(source.name);
      await file.move(target.dir, target.name);
    } catch (err) {
      throw ioError(`replace ${to}`, err);
    }
  },
};
