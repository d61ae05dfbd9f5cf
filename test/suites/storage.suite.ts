// The byte-range behaviour every StorageBackend must show, checked against a plain Uint8Array model.
// Called once per backend by test/storage.test.ts (and by any other runtime's test file).
import { afterAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import type { StorageBackend, StorageFile } from '../../src/storage/types.js';
import { rng } from '../support/random.js';
import { expectCode } from '../support/expect-code.js';

export interface StorageTarget {
  /** How the suite is labelled, e.g. 'mmap (64 KiB windows)'. */
  label: string;
  backend: StorageBackend;
  /** A path for a new file, unique per call. */
  path: (name: string) => string;
  /** Disk backends: a path inside a directory that does not exist. */
  dirs?: { missing: (name: string) => string };
  /** Whether to run the sparse file past 4 GiB (disk backends only: memory would allocate it). */
  large?: { windowSize: number };
  cleanup: () => void;
}

const GiB = 2 ** 30;


function bytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

/** Byte equality that stays fast on megabytes (toEqual walks typed arrays element by element). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.length);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.length);
  if (a.equals(b)) return;
  let i = 0;
  while (a[i] === b[i]) i++;
  expect(actual.subarray(i, i + 16), `${what}: first difference at byte ${i}`).toEqual(expected.subarray(i, i + 16));
}

function readAll(file: StorageFile): Uint8Array {
  const out = new Uint8Array(file.size());
  expect(file.read(0, out)).toBe(out.length);
  return out;
}

/** The reference: a file is a Uint8Array, grown zero-filled by writes and truncates. */
class ModelFile {
  bytes = new Uint8Array(0);

  resize(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, Math.min(size, this.bytes.length)));
    this.bytes = next;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.bytes.length) this.resize(offset + data.length);
    this.bytes.set(data, offset);
  }
}

export function storageSuite(target: StorageTarget): void {
  const { backend, path } = target;

  describe(`storage backend: ${target.label}`, () => {
    afterAll(() => target.cleanup());

    it('creates, opens, reports existence, renames over an existing file, and removes', async () => {
      const a = path('a');
      const b = path('b');
      expect(await backend.exists(a)).toBe(false);
      await expect(backend.open(a)).rejects.toMatchObject({ code: 'IO' });
      await expect(backend.open(a, { readOnly: true })).rejects.toMatchObject({ code: 'IO' });

      const fa = await backend.open(a, { create: true });
      expect(fa.backend).toBe(backend.name);
      expect(fa.size()).toBe(0);
      fa.write(0, bytes(100, 1));
      fa.close();
      expect(await backend.exists(a)).toBe(true);

      const fb = await backend.open(b, { create: true });
      fb.write(0, bytes(10, 2));
      fb.close();

      await backend.rename(a, b);
      expect(await backend.exists(a)).toBe(false);
      const renamed = await backend.open(b);
      expect(readAll(renamed)).toEqual(bytes(100, 1));
      renamed.close();

      // open({ create }) on an existing file keeps its bytes.
      const again = await backend.open(b, { create: true });
      expect(again.size()).toBe(100);
      again.close();

      await backend.remove(b);
      expect(await backend.exists(b)).toBe(false);
      await backend.remove(b); // removing a missing file is not an error
    });

    it('round-trips random writes, reads and resizes at seeded random offsets (seed 20240611)', async () => {
      const r = rng(20240611);
      const int = (n: number) => Math.floor(r() * n);
      const model = new ModelFile();
      const p = path('random');
      const file = await backend.open(p, { create: true });
      for (let step = 0; step < 600; step++) {
        const size = model.bytes.length;
        const op = r();
        if (op < 0.45) {
          // Mostly near the data, sometimes far past EOF (a hole), sometimes large enough to span
          // several 64 KiB windows.
          const offset = r() < 0.08 ? size + int(300_000) : int(size + 4096);
          const len = 1 + (r() < 0.1 ? int(200_000) : int(5000));
          const data = bytes(len, step);
          file.write(offset, data);
          model.write(offset, data);
        } else if (op < 0.88) {
          const offset = int(size + 64);
          const into = new Uint8Array(r() < 0.1 ? int(200_000) : int(6000));
          const n = file.read(offset, into);
          const want = model.bytes.subarray(Math.min(offset, size), Math.min(offset + into.length, size));
          expect(n, `read at ${offset} of ${into.length} (step ${step})`).toBe(want.length);
          expectSameBytes(into.subarray(0, n), want, `read at ${offset} (step ${step})`);
        } else if (op < 0.97) {
          const next = int(Math.floor(size * 1.5) + 4096);
          file.truncate(next);
          model.resize(next);
        } else {
          file.sync();
        }
        expect(file.size(), `size after step ${step}`).toBe(model.bytes.length);
      }
      file.close();
      const reopened = await backend.open(p);
      expectSameBytes(readAll(reopened), model.bytes, 'after reopening');
      reopened.close();
      await backend.remove(p);
    });

    it('returns short reads past EOF and zero bytes at or beyond it', async () => {
      const p = path('eof');
      const file = await backend.open(p, { create: true });
      file.write(0, bytes(1000, 3));
      const into = new Uint8Array(64).fill(0xee);
      expect(file.read(990, into)).toBe(10);
      expect(into.subarray(0, 10)).toEqual(bytes(1000, 3).subarray(990));
      expect(into[10]).toBe(0xee); // bytes past the short read are left alone
      expect(file.read(1000, into)).toBe(0);
      expect(file.read(50_000, into)).toBe(0);
      expect(file.read(0, new Uint8Array(0))).toBe(0);
      file.close();
      await backend.remove(p);
    });

    it('grows with zeros and shrinks on truncate, and old bytes never come back after a regrow', async () => {
      const p = path('truncate');
      const file = await backend.open(p, { create: true });
      const data = bytes(5000, 4);
      file.write(0, data);
      file.truncate(300_000);
      expect(file.size()).toBe(300_000);
      const grown = new Uint8Array(300_000);
      expect(file.read(0, grown)).toBe(300_000);
      expect(grown.subarray(0, 5000)).toEqual(data);
      expect(grown.subarray(5000).every((b) => b === 0)).toBe(true);

      file.truncate(100);
      expect(file.size()).toBe(100);
      const shrunk = new Uint8Array(200);
      expect(file.read(0, shrunk)).toBe(100);
      expect(shrunk.subarray(0, 100)).toEqual(data.subarray(0, 100));

      file.truncate(5000);
      const regrown = new Uint8Array(5000);
      expect(file.read(0, regrown)).toBe(5000);
      expect(regrown.subarray(100).every((b) => b === 0)).toBe(true);
      file.close();
      await backend.remove(p);
    });

    it('keeps synced bytes across close and reopen', async () => {
      const p = path('sync');
      const file = await backend.open(p, { create: true });
      file.write(0, bytes(70_000, 5));
      file.sync();
      file.write(10, bytes(20, 6));
      file.truncate(80_000);
      file.sync();
      file.close();
      const want = new ModelFile();
      want.write(0, bytes(70_000, 5));
      want.write(10, bytes(20, 6));
      want.resize(80_000);
      const reopened = await backend.open(p, { readOnly: true });
      expectSameBytes(readAll(reopened), want.bytes, 'after reopening');
      reopened.close();
      await backend.remove(p);
    });

    it('throws CLOSED for every use after close, and close is idempotent', async () => {
      const p = path('closed');
      const file = await backend.open(p, { create: true });
      file.write(0, bytes(10, 7));
      file.close();
      file.close();
      expectCode(() => file.size(), 'CLOSED');
      expectCode(() => file.read(0, new Uint8Array(4)), 'CLOSED');
      expectCode(() => file.write(0, new Uint8Array(4)), 'CLOSED');
      expectCode(() => file.truncate(0), 'CLOSED');
      expectCode(() => file.sync(), 'CLOSED');
      await backend.remove(p);
    });

    it('refuses writes and resizes on a read-only file but reads it', async () => {
      const p = path('readonly');
      const writer = await backend.open(p, { create: true });
      writer.write(0, bytes(300, 8));
      writer.close();
      const file = await backend.open(p, { readOnly: true });
      expectCode(() => file.write(0, new Uint8Array(4)), 'IO');
      expectCode(() => file.truncate(0), 'IO');
      expect(readAll(file)).toEqual(bytes(300, 8));
      file.close();
      await backend.remove(p);
    });

    it('gives a second writer LOCKED at once, lets readers in beside the writer, and shows them its growth', async () => {
      const p = path('lock');
      const writer = await backend.open(p, { create: true });
      writer.write(0, bytes(100, 9));
      expect(await backend.open(p).catch((e: unknown) => e)).toMatchObject({ code: 'LOCKED' });
      const reader = await backend.open(p, { readOnly: true });
      expect(reader.size()).toBe(100);
      // Readers take no lock, so what a writer appends after they opened must still reach them.
      writer.write(100, bytes(70_000, 10));
      writer.sync();
      expect(reader.size()).toBe(70_100);
      const tail = new Uint8Array(70_000);
      expect(reader.read(100, tail)).toBe(70_000);
      expectSameBytes(tail, bytes(70_000, 10), 'bytes appended after the reader opened');
      writer.close();
      const next = await backend.open(p);
      expect(reader.read(0, new Uint8Array(100))).toBe(100);
      next.close();
      reader.close();
      await backend.remove(p);
    });

    it('holds a path with lock(): writers and other lockers get LOCKED until release, readers never wait', async () => {
      const p = path('path-lock');
      (await backend.open(p, { create: true })).close();
      const lock = await backend.lock(p);
      expect(await backend.open(p).catch((e: unknown) => e)).toMatchObject({ code: 'LOCKED' });
      expect(await backend.lock(p).catch((e: unknown) => e)).toMatchObject({ code: 'LOCKED' });
      (await backend.open(p, { readOnly: true })).close();
      // A writer that is lent the lock opens, and closing it leaves the lock with its holder.
      const lent = await backend.open(p, { lock });
      lent.write(0, bytes(10, 11));
      lent.close();
      expect(await backend.open(p).catch((e: unknown) => e)).toMatchObject({ code: 'LOCKED' });
      lock.release();
      lock.release();
      const writer = await backend.open(p);
      expect(await backend.lock(p).catch((e: unknown) => e), 'an open writer holds the lock too').toMatchObject({ code: 'LOCKED' });
      writer.close();
      (await backend.lock(p)).release();
      await backend.remove(p);
    });

    it('keeps the lock on the path across a rename over it, so a replaced file is still held', async () => {
      const p = path('renamed');
      const tmp = path('renamed-tmp');
      const lock = await backend.lock(p);
      const file = await backend.open(tmp, { create: true });
      file.write(0, bytes(32, 12));
      file.close();
      await backend.rename(tmp, p);
      expect(await backend.open(p).catch((e: unknown) => e)).toMatchObject({ code: 'LOCKED' });
      lock.release();
      const reopened = await backend.open(p);
      expect(readAll(reopened)).toEqual(bytes(32, 12));
      reopened.close();
      await backend.remove(p);
    });

    it('reports a closed file as CLOSED on every operation, reads and size included', async () => {
      const p = path('closed');
      const file = await backend.open(p, { create: true });
      file.close();
      file.close();
      for (const op of [() => file.size(), () => file.read(0, new Uint8Array(1)), () => file.write(0, new Uint8Array(1)), () => file.truncate(0), () => file.sync()]) {
        expectCode(op, 'CLOSED');
      }
      await backend.remove(p);
    });

    if (target.dirs) {
      it('says a directory does not exist, naming the path asked for, as MemvecError IO', async () => {
        const p = target.dirs!.missing('v.mvec');
        for (const attempt of [() => backend.open(p, { create: true }), () => backend.open(p), () => backend.lock(p), () => backend.open(p, { readOnly: true })]) {
          const err = await attempt().catch((e: unknown) => e);
          expect(err).toMatchObject({ name: 'MemvecError', code: 'IO' });
          expect((err as Error).message).toContain(p);
          expect((err as Error).message).toMatch(/does not exist|no such file/);
        }
        const locked = await backend.open(p, { create: true }).catch((e: unknown) => e);
        expect((locked as Error).message).toMatch(/directory .* does not exist/);
        expect((locked as Error).message).not.toMatch(/\.lock|\.tmp/);
      });
    }

    if (target.large) {
      const { windowSize } = target.large;
      it('reads and writes past 4 GiB and across window boundaries in a sparse file', async () => {
        const p = path('large');
        const file = await backend.open(p, { create: true });
        const size = 4 * GiB + 3 * 2 ** 20;
        file.truncate(size);
        expect(file.size()).toBe(size);
        // 4 GiB is a window boundary for any power-of-two window up to 4 GiB; so is 3 GiB for 1 GiB.
        const spots = [4 * GiB - 5, 3 * GiB - 7, 4 * GiB + 2 ** 20 + 11, windowSize * 2 - 3, size - 16];
        spots.forEach((at, i) => file.write(at, bytes(16, 100 + i)));
        file.sync();
        const check = (f: StorageFile) => {
          spots.forEach((at, i) => {
            const into = new Uint8Array(16);
            expect(f.read(at, into), `read at ${at}`).toBe(16);
            expect(into).toEqual(bytes(16, 100 + i));
          });
          const hole = new Uint8Array(4096).fill(1);
          expect(f.read(4 * GiB + 2 ** 19, hole)).toBe(4096);
          expect(hole.every((b) => b === 0)).toBe(true);
          const tail = new Uint8Array(64);
          expect(f.read(size - 16, tail), 'a read across EOF is short').toBe(f.size() - (size - 16));
        };
        check(file);
        // Past 2^32 the file must still grow by writing, not only by truncate.
        file.write(size, bytes(8, 200));
        expect(file.size()).toBe(size + 8);
        file.close();
        const reopened = await backend.open(p, { readOnly: true });
        expect(reopened.size()).toBe(size + 8);
        check(reopened);
        reopened.close();
        expect(statSync(p).blocks * 512, 'the file stays sparse').toBeLessThan(64 * 2 ** 20);
        await backend.remove(p);
      });
    }
  });
}
