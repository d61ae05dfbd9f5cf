/**
 * One writer per file for the node:fs fallback, which has no flock: a `<file>.lock` beside the file,
 * created exclusively and holding the writer's pid. A lock left by a process that died (SIGKILL, power
 * loss) is taken over once that pid is gone. The mmap backend uses a real flock instead; the two do
 * not see each other, so do not mix them on one file across processes.
 */
import * as fs from 'node:fs';
import { MemvecError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock for `path`; returns the function that releases it. */
export function acquireLock(path: string): () => void {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new MemvecError('LOCKED', `${path} is open for writing by process ${holder}${holder === process.pid ? ' (this one)' : ''}`);
    }
    // Stale: its writer is gone. Remove it and try again (another process may race us to it).
    fs.rmSync(lockPath, { force: true });
  }
  throw new MemvecError('LOCKED', `${path}: could not take the lock ${lockPath}`);
}
