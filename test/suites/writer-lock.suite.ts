// One writer per path, whoever asks: the facade calls that write a file (MemMapVector.open,
// HnswIndex.open, save) all take the path's writer lock, so none of them can replace or share a file
// another writer holds. Called once per backend by test/writer-lock.test.ts in every runtime; the
// cross-process and cross-runtime pairs are in test/writer-lock-matrix.test.ts.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../../src/hnsw-index.js';
import { MemMapVector } from '../../src/memmap-vector.js';
import { expectCodeAsync } from '../support/expect-code.js';
import type { BackendTarget } from '../support/backends.js';
import { FailingBackend } from '../support/failing-backend.js';
import { fileBytes, wrapBackend } from '../support/wrap-backend.js';

const DIM = 4;
const vec = (i: number): number[] => [1 + i, 2, 3 - i, 4];


export function writerLockSuite(target: BackendTarget): void {
  describe(`one writer per path on the ${target.name} backend`, () => {
    afterAll(() => target.cleanup());

    it('refuses save() over a persistent index that is open, keeps the index durable, and changes nothing', async () => {
      const backend = await target.backend();
      const p = target.path('held-index');
      const live = await HnswIndex.open(p, { dimension: DIM, backend });
      live.insert('a', vec(0), { n: 1 });
      const before = await fileBytes(backend, p);
      const other = await HnswIndex.create({ dimension: DIM });
      other.insert('intruder', vec(5));
      await expectCodeAsync(() => other.save(p, { backend }), 'LOCKED');
      expect(await fileBytes(backend, p)).toEqual(before);
      // The live index keeps committing to the file that is still there.
      live.insert('b', vec(1));
      live.close();
      const reopened = await HnswIndex.open(p, { backend });
      expect([...['a', 'b', 'intruder']].map((k) => reopened.has(k))).toEqual([true, true, false]);
      reopened.close();
      // Once the writer is gone, save() may replace the file.
      await other.save(p, { backend });
      const loaded = await HnswIndex.load(p, { backend });
      expect(loaded.has('intruder')).toBe(true);
      loaded.close();
      other.close();
    });

    it('refuses every writer of either kind on a path held by the other, and leaves the file as it was', async () => {
      const backend = await target.backend();
      const storePath = target.path('held-store');
      const store = await MemMapVector.open(storePath, { dimension: DIM, backend });
      store.addVectors([vec(0)]);
      const storeBytes = await fileBytes(backend, storePath);
      await expectCodeAsync(() => MemMapVector.open(storePath, { backend }), 'LOCKED');
      await expectCodeAsync(() => HnswIndex.open(storePath, { dimension: DIM, backend }), 'LOCKED');
      const snap = await HnswIndex.create({ dimension: DIM });
      await expectCodeAsync(() => snap.save(storePath, { backend }), 'LOCKED');
      expect(await fileBytes(backend, storePath)).toEqual(storeBytes);
      store.close();

      const indexPath = target.path('held-index-2');
      const index = await HnswIndex.open(indexPath, { dimension: DIM, backend });
      const indexBytes = await fileBytes(backend, indexPath);
      await expectCodeAsync(() => MemMapVector.open(indexPath, { dimension: DIM, backend }), 'LOCKED');
      await expectCodeAsync(() => HnswIndex.open(indexPath, { backend }), 'LOCKED');
      expect(await fileBytes(backend, indexPath)).toEqual(indexBytes);
      index.close();
      snap.close();
    });

    it('lets a new path be created by one writer only, and readers in beside it', async () => {
      const backend = await target.backend();
      const p = target.path('fresh');
      const first = await MemMapVector.open(p, { dimension: DIM, backend });
      await expectCodeAsync(() => MemMapVector.open(p, { dimension: DIM, backend }), 'LOCKED');
      first.addVectors([vec(2)]);
      const reader = await MemMapVector.open(p, { readOnly: true, backend });
      expect(reader.getVectorByVectorId(0)).toEqual(Float32Array.from(vec(2)));
      reader.close();
      first.close();
      // Closing gave the path back: the next writer gets in.
      (await MemMapVector.open(p, { backend })).close();
    });

    it('keeps its lock through MemMapVector.compact(), even while its file is being replaced', async () => {
      const inner = await target.backend();
      const p = target.path('compacting');
      let duringRename: unknown = 'no rename';
      // Another writer tries the path at the moment compaction renames the new file over the old one.
      const backend = wrapBackend(inner, {
        async rename(from, to) {
          duringRename = await MemMapVector.open(to, { backend: inner }).then((db) => db.close(), (e: unknown) => e);
          return inner.rename(from, to);
        },
      });
      const db = await MemMapVector.open(p, { dimension: DIM, backend });
      db.addVectors([vec(0), vec(1), vec(2)]);
      db.markDeleted([1]);
      await db.compact();
      expect(duringRename).toMatchObject({ code: 'LOCKED' });
      await expectCodeAsync(() => MemMapVector.open(p, { backend: inner }), 'LOCKED');
      expect(db.getVectorByVectorId(1)).toEqual(Float32Array.from(vec(2)));
      db.close();
      (await MemMapVector.open(p, { backend: inner })).close();
    });

    it('gives the path back when closed during compaction, and stays closed', async () => {
      const inner = await target.backend();
      const p = target.path('closed-compacting');
      let store: MemMapVector | undefined;
      const backend = wrapBackend(inner, {
        async rename(from, to) {
          store?.close();
          return inner.rename(from, to);
        },
      });
      store = await MemMapVector.open(p, { dimension: DIM, backend });
      store.addVectors([vec(0), vec(1)]);
      store.markDeleted([0]);
      await expectCodeAsync(() => store!.compact(), 'CLOSED');
      const next = await MemMapVector.open(p, { backend: inner });
      expect(next.getTotalVectors()).toBe(1);
      next.close();
    });

    it('gives the path back whenever opening or saving fails', async () => {
      const backend = await target.backend();
      const p = target.path('failing-open');
      (await MemMapVector.open(p, { dimension: DIM, backend })).close();
      await expectCodeAsync(() => MemMapVector.open(p, { dimension: DIM + 1, backend }), 'DIMENSION_MISMATCH');
      await expectCodeAsync(() => HnswIndex.open(p, { backend }), 'CORRUPT_FILE');
      const snapshot = await HnswIndex.create({ dimension: DIM });
      const failing = new FailingBackend(backend);
      failing.failAt = 1; // the first write of the temporary copy
      await expectCodeAsync(() => snapshot.save(p, { backend: failing }), 'IO');
      snapshot.close();
      // Every refusal above released the path: a writer gets in.
      const db = await MemMapVector.open(p, { backend });
      expect(db.dimension).toBe(DIM);
      db.close();
    });

    if (target.name !== 'memory') {
      it('takes over the lock of a writer that died, but not one being written or held by a live process', async () => {
        const backend = await target.backend();
        const p = target.path('stale');
        (await MemMapVector.open(p, { dimension: DIM, backend })).close();
        // A pid that cannot be running (above Linux's pid_max): its writer died without releasing.
        writeFileSync(`${p}.lock`, '2147483647\nnode\n2026-01-01T00:00:00.000Z\n');
        const db = await MemMapVector.open(p, { backend });
        expect(readFileSync(`${p}.lock`, 'utf8').split('\n')[0]).toBe(String(process.pid));
        db.close();
        expect(existsSync(`${p}.lock`), 'closing removes the lock file').toBe(false);
        // Just created and not yet written: its writer is between the two steps.
        writeFileSync(`${p}.lock`, '');
        await expectCodeAsync(() => MemMapVector.open(p, { backend }), 'LOCKED');
        // A live process (this test's parent) holds it: the message names it and the file to remove.
        writeFileSync(`${p}.lock`, `${process.ppid}\nbun\n2026-01-01T00:00:00.000Z\n`);
        const err = await MemMapVector.open(p, { backend }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'LOCKED' });
        expect((err as Error).message).toContain(`process ${process.ppid} (bun)`);
        expect((err as Error).message).toContain(`remove ${p}.lock`);
        rmSync(`${p}.lock`);
      });

      it('says which directory is missing, naming the path asked for, never a temporary or lock file', async () => {
        const backend = await target.backend();
        const p = target.missingDirPath('v.mvec');
        const attempts: Array<() => Promise<unknown>> = [
          () => MemMapVector.open(p, { dimension: DIM, backend }),
          () => HnswIndex.open(p, { dimension: DIM, backend }),
          async () => (await HnswIndex.create({ dimension: DIM })).save(p, { backend }),
          () => HnswIndex.load(p, { backend }),
          () => MemMapVector.open(p, { readOnly: true, backend }),
        ];
        for (const attempt of attempts) {
          const err = await attempt().catch((e: unknown) => e);
          expect(err).toMatchObject({ name: 'MemvecError', code: 'IO' });
          const message = (err as Error).message;
          expect(message).toContain(p);
          expect(message).toMatch(/does not exist|no such file/);
          expect(message).not.toMatch(/\.(lock|tmp)\b|\.create\.|\.tmp-/);
        }
      });
    }
  });
}
