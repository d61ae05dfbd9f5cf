// The writer-lock protocol (src/storage/lock-file.ts) on an in-memory LockFs whose steps the test can
// interleave: stale locks are taken over by one taker only, a lock that may be live is never taken, and
// an earlier process that had this process's pid leaves a lock that is stale.
import { describe, expect, it } from 'vitest';
import { type LockFs, takeLock } from '../src/storage/lock-file.js';
import { expectCode } from './support/expect-code.js';

/** Files in a Map; `hook` runs before each operation, so a test can act "between" two steps. */
class MapLockFs implements LockFs {
  files = new Map<string, { text: string; at: number }>();
  now = 1_000_000;
  hook: (op: string, path: string) => void = () => {};

  createExclusive(path: string, text: string): boolean {
    this.hook('create', path);
    if (this.files.has(path)) return false;
    this.files.set(path, { text, at: this.now });
    return true;
  }
  readText(path: string): string | null {
    this.hook('read', path);
    return this.files.get(path)?.text ?? null;
  }
  ageMs(path: string): number | null {
    const f = this.files.get(path);
    return f === undefined ? null : this.now - f.at;
  }
  remove(path: string): void {
    this.hook('remove', path);
    this.files.delete(path);
  }
  missingDir(): string | undefined {
    return undefined;
  }
}

/** A pid no process can have (above Linux's pid_max), so kill(pid, 0) says ESRCH. */
const DEAD = 2_147_483_647;
const lockText = (pid: number, started = '') => `${pid}\nnode\n2026-01-01T00:00:00.000Z\n${started}\n`;
const start = () => Math.round(Date.now() - process.uptime() * 1000);

describe('writer lock protocol', () => {
  it('takes a free path, refuses a second taker in this process, and frees the path on release', () => {
    const fs = new MapLockFs();
    const lock = takeLock(fs, 'a.mvec', 'node');
    expect(fs.files.get('a.mvec.lock')!.text.split('\n')[0]).toBe(String(process.pid));
    expectCode(() => takeLock(fs, 'a.mvec', 'node'), 'LOCKED');
    expect(lock.held).toBe(true);
    lock.release();
    expect(lock.held).toBe(false);
    expect(fs.files.has('a.mvec.lock')).toBe(false);
    takeLock(fs, 'a.mvec', 'node').release();
  });

  it('takes over a dead writer\'s lock, and a lock of an earlier process that had this pid', () => {
    const fs = new MapLockFs();
    fs.files.set('a.mvec.lock', { text: lockText(DEAD), at: 0 });
    takeLock(fs, 'a.mvec', 'node').release();
    // Our pid, started an hour before this process did: a container's pid 1 before a restart.
    fs.files.set('a.mvec.lock', { text: lockText(process.pid, String(start() - 3_600_000)), at: 0 });
    takeLock(fs, 'a.mvec', 'node').release();
    // Our pid and our start time: this process holds it.
    fs.files.set('a.mvec.lock', { text: lockText(process.pid, String(start())), at: 0 });
    expectCode(() => takeLock(fs, 'a.mvec', 'node'), 'LOCKED');
  });

  it('never takes a lock it cannot prove dead: a live process, or one still writing its pid', () => {
    const fs = new MapLockFs();
    fs.files.set('a.mvec.lock', { text: lockText(process.ppid), at: 0 });
    expect(() => takeLock(fs, 'a.mvec', 'node')).toThrow(`process ${process.ppid} (node)`);
    fs.files.set('a.mvec.lock', { text: '12', at: fs.now }); // a pid without its newline: being written
    expectCode(() => takeLock(fs, 'a.mvec', 'node'), 'LOCKED');
    fs.files.set('a.mvec.lock', { text: '', at: fs.now - 60_000 }); // empty for a minute: its writer died
    takeLock(fs, 'a.mvec', 'node').release();
  });

  it('lets exactly one of two takers replace a stale lock, however their steps interleave', () => {
    // B runs its whole takeLock at each point of A's takeover; at no point may both hold the lock.
    for (let pause = 1; pause <= 20; pause++) {
      const fs = new MapLockFs();
      fs.files.set('a.mvec.lock', { text: lockText(DEAD), at: 0 });
      let steps = 0;
      let b: unknown;
      fs.hook = () => {
        if (++steps !== pause) return;
        fs.hook = () => {};
        try {
          b = takeLock(fs, 'a.mvec', 'bun');
        } catch (err) {
          b = err;
        }
      };
      let a: unknown;
      try {
        a = takeLock(fs, 'a.mvec', 'node');
      } catch (err) {
        a = err;
      }
      if (b === undefined) {
        expect(pause, 'A\'s takeover has steps to interleave with').toBeGreaterThan(4);
        break; // A finished in fewer steps: every interleaving was tried
      }
      const holders = [a, b].filter((x) => (x as { held?: boolean } | undefined)?.held === true);
      expect(holders.length, `B interleaved at step ${pause}`).toBeLessThanOrEqual(1);
      expect(holders.length + [a, b].filter((x) => (x as { code?: string } | undefined)?.code === 'LOCKED').length, `B interleaved at step ${pause}: ${String(a)} / ${String(b)}`).toBe(2);
    }
  });

  it('reports a failing file system as IO, naming the path', () => {
    const fs = new MapLockFs();
    fs.hook = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(() => takeLock(fs, 'dir/a.mvec', 'node')).toThrow(/could not take the writer lock of dir\/a\.mvec: permission denied/);
  });
});
