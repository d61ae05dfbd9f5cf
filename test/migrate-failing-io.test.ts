// migrate() into a persistent index whose storage fails at each I/O call in turn: the copy rejects with
// IO, the file holds exactly a prefix of whole batches (never part of one), and a resumed copy
// completes it.
import { describe, expect, it } from 'vitest';
import { HnswIndex, type MemvecError } from '../src/index.js';
import { migrate, type MigrationRecord } from '../src/migrate/index.js';
import { resolveBackend } from '../src/storage/select.js';
import { randomVectors } from './support/random.js';
import { FailingBackend } from './support/failing-backend.js';

const dim = 4;
const COUNT = 40;
const BATCH = 10;
const data = randomVectors(COUNT, dim, 8);
const records: MigrationRecord[] = Array.from({ length: COUNT }, (_, i) => ({
  key: `k${i}`, vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i },
}));

/** How many leading records `index` holds, checking that it holds exactly those, as copied. */
function prefixHeld(index: HnswIndex): number {
  const n = index.size();
  records.forEach((r, i) => {
    const got = index.get(r.key);
    if (i >= n) return expect(got, `record ${i} beyond the prefix`).toBeNull();
    expect(got, `record ${i}`).not.toBeNull();
    expect(Array.from(got!.vector)).toEqual(Array.from(r.vector));
    expect(got!.metadata).toEqual(r.metadata);
  });
  return n;
}

describe('migrate with failing storage', () => {
  it('every failed I/O call leaves whole batches, and resuming completes the copy', async () => {
    const backend = await resolveBackend('memory');
    let failAt = 1;
    let failures = 0;
    for (; failAt < 500; failAt++) {
      const path = `migrate-fail-${failAt}.mvi`;
      const failing = new FailingBackend(backend);
      const index = await HnswIndex.open(path, { dimension: dim, metric: 'euclidean', M: 4, efConstruction: 16, backend: failing });
      failing.calls = 0;
      failing.failAt = failAt;
      let copied = 0;
      let error: unknown;
      await migrate(records, index, { batchSize: BATCH, onProgress: (p) => (copied = p.copied) }).catch((err: unknown) => (error = err));
      const injected = failing.calls >= failAt;
      index.close();
      if (!injected) {
        expect(error).toBeUndefined();
        break;
      }
      failures++;
      expect((error as MemvecError).code, String(error)).toBe('IO');
      const reopened = await HnswIndex.open(path, { backend });
      const held = prefixHeld(reopened);
      expect(held % BATCH, `failAt ${failAt}: ${held} entries`).toBe(0);
      // Every batch reported done is there; the one that failed may be too (if its commit got through).
      expect(held === copied || held === copied + BATCH, `failAt ${failAt}: held ${held}, reported ${copied}`).toBe(true);
      const summary = await migrate(records, reopened, { batchSize: BATCH, skipExisting: true });
      expect(summary).toMatchObject({ copied: COUNT - held, skippedExisting: held });
      expect(prefixHeld(reopened)).toBe(COUNT);
      reopened.close();
    }
    expect(failures).toBeGreaterThan(COUNT / BATCH);
    expect(failAt).toBeLessThan(500);
  });
});
