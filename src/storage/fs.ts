/**
 * node:fs positional reads and writes: works in Node and Bun with nothing native. The fallback when
 * the mmap addon is missing, and the baseline the mmap backend is measured against.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { MemvecError } from '../errors.js';
import type { OpenOptions, StorageBackend, StorageFile } from './types.js';
import { acquireLock } from './fs-lock.js';
import { ioError } from './io-error.js';
import { syncDir } from './sync-dir.js';

class FsFile implements StorageFile {
  readonly backend = 'fs' as const;
  private fd: number | null;

  constructor(
    fd: number,
    private readonly path: string,
    private readonly readOnly: boolean,
    private readonly unlock: () => void,
  ) {
    this.fd = fd;
  }

  private handle(): number {
    if (this.fd === null) throw new MemvecError('CLOSED', `file ${this.path} is closed`);
    return this.fd;
  }

  size(): number {
    return fs.fstatSync(this.handle()).size;
  }

  read(offset: number, into: Uint8Array): number {
    const fd = this.handle();
    let done = 0;
    while (done < into.length) {
      const n = fs.readSync(fd, into, done, into.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new MemvecError('IO', `file ${this.path} is open read-only`);
    const fd = this.handle();
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, offset + done);
    } catch (err) {
      throw ioError(`write to ${this.path}`, err);
    }
  }

  truncate(size: number): void {
    if (this.readOnly) throw new MemvecError('IO', `file ${this.path} is open read-only`);
    try {
      fs.ftruncateSync(this.handle(), size);
    } catch (err) {
      throw ioError(`resize ${this.path}`, err);
    }
  }

  sync(): void {
    if (this.readOnly) return;
    try {
      fs.fdatasyncSync(this.handle());
    } catch (err) {
      throw ioError(`sync ${this.path}`, err);
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } finally {
      this.unlock();
    }
  }
}

export const fsBackend: StorageBackend = {
  name: 'fs',
  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    const readOnly = options.readOnly ?? false;
    if (!readOnly && !options.create && !fs.existsSync(path)) throw ioError(`open ${path}`, new Error('no such file'));
    // Readers take no lock: the commit protocol keeps what they see whole.
    const unlock = readOnly ? () => {} : acquireLock(path);
    let fd: number;
    try {
      if (readOnly) fd = fs.openSync(path, 'r');
      else if (options.create) {
        const existed = fs.existsSync(path);
        fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT);
        if (!existed) syncDir(nodePath.dirname(nodePath.resolve(path)));
      } else fd = fs.openSync(path, 'r+');
    } catch (err) {
      unlock();
      throw ioError(`open ${path}`, err);
    }
    return new FsFile(fd, path, readOnly, unlock);
  },
  async exists(path: string): Promise<boolean> {
    return fs.existsSync(path);
  },
  async remove(path: string): Promise<void> {
    await fs.promises.rm(path, { force: true });
  },
  async rename(from: string, to: string): Promise<void> {
    try {
      await fs.promises.rename(from, to);
    } catch (err) {
      throw ioError(`rename ${from} to ${to}`, err);
    }
    syncDir(nodePath.dirname(nodePath.resolve(to)));
  },
};
