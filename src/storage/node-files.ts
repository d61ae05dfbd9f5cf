/**
 * What Node's and Bun's two backends (fs and mmap) do the same way outside an open file: the writer-lock
 * protocol (lock-file.ts) on node:fs, and exists / remove / rename through the storage error boundary.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { guardCall } from './io-error.js';
import { type LockFs, takeLock } from './lock-file.js';
import { syncDir } from './sync-dir.js';
import type { WriterLock } from './types.js';

const code = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

export const nodeLockFs: LockFs = {
  createExclusive(path, text) {
    let fd: number;
    try {
      fd = fs.openSync(path, 'wx');
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw err;
    }
    try {
      fs.writeSync(fd, text);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(path, { force: true }); // never leave a lock with no holder in it
      throw err;
    }
    fs.closeSync(fd);
    return true;
  },
  readText(path) {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT') return null;
      throw err;
    }
  },
  ageMs(path) {
    try {
      return Date.now() - fs.statSync(path).mtimeMs;
    } catch {
      return null;
    }
  },
  remove(path) {
    fs.rmSync(path, { force: true });
  },
  missingDir(path) {
    const dir = nodePath.dirname(path);
    return fs.existsSync(dir) ? undefined : dir;
  },
};

const runtimeName = (): string => (typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? 'bun' : 'node');

/** Takes `path`'s writer lock (LOCKED at once if another writer, of any backend, holds it). */
export function acquireLock(path: string): WriterLock {
  return takeLock(nodeLockFs, path, runtimeName());
}

/** Node's and Bun's file-system calls outside an open file, through the storage error boundary. */
export function nodeFsCall<T>(what: string, path: string, op: () => T): T {
  return guardCall(what, op, () => nodeLockFs.missingDir(path));
}

export const nodeFsOps = {
  async exists(path: string): Promise<boolean> {
    return fs.existsSync(path); // never throws: any failure reads as "no"
  },
  async remove(path: string): Promise<void> {
    nodeFsCall(`remove ${path}`, path, () => fs.rmSync(path, { force: true }));
  },
  async rename(from: string, to: string): Promise<void> {
    nodeFsCall(`replace ${to}`, to, () => fs.renameSync(from, to));
    const toDir = nodePath.dirname(nodePath.resolve(to));
    const fromDir = nodePath.dirname(nodePath.resolve(from));
    syncDir(toDir);
    if (fromDir !== toDir) syncDir(fromDir);
  },
  async lock(path: string): Promise<WriterLock> {
    return acquireLock(path);
  },
};
