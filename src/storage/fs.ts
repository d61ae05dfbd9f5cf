/**
 * node:fs positional reads and writes: works in Node and Bun with nothing native. The fallback when
 * the mmap addon is missing, and the baseline the mmap backend is measured against.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { acquireLock, nodeFsCall, nodeFsOps } from './node-files.js';
import { GuardedFile, withWriterLock } from './guarded-file.js';
import { syncDir } from './sync-dir.js';
import type { OpenOptions, StorageBackend, StorageFile, WriterLock } from './types.js';

class FsFile extends GuardedFile {
  readonly backend = 'fs' as const;

  get readFd(): number {
    return this.fd;
  }

  constructor(
    private readonly fd: number,
    path: string,
    readOnly: boolean,
    ownLock: WriterLock | null,
  ) {
    super(path, readOnly, ownLock);
  }

  protected rawSize(): number {
    return fs.fstatSync(this.fd).size;
  }

  protected rawRead(offset: number, into: Uint8Array): number {
    let done = 0;
    while (done < into.length) {
      const n = fs.readSync(this.fd, into, done, into.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  protected rawWrite(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
  }

  protected rawTruncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
  }

  protected rawSync(): void {
    fs.fdatasyncSync(this.fd);
  }

  protected rawClose(): void {
    fs.closeSync(this.fd);
  }
}

export const fsBackend: StorageBackend = {
  name: 'fs',
  ...nodeFsOps,
  open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    return withWriterLock(path, options, acquireLock, (ownLock, name, { readOnly, create }) => {
      const fd = nodeFsCall(`open ${name}`, path, () => {
        if (readOnly) return fs.openSync(path, 'r');
        if (!create) return fs.openSync(path, 'r+');
        const existed = fs.existsSync(path);
        const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT);
        if (!existed) syncDir(nodePath.dirname(nodePath.resolve(path)));
        return fd;
      });
      return new FsFile(fd, name, readOnly, ownLock);
    });
  },
};

