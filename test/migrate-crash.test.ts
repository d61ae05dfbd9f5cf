// Crash safety of migrate() into a persistent index: a child copies seeded records (resuming with
// skipExisting) and is SIGKILLed at random moments. Every reopen must hold exactly a prefix of whole
// batches (each batch commits all-or-nothing), at least every batch the child reported, and the
// resumed copies must end with the index equal to the source.
// The child runs the built package: `npx tsup` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/index.js';
import { migrate } from '../src/migrate/index.js';
import { rng } from './support/random.js';
import { BATCH, COUNT, records } from './support/crash-migrate-workload.mjs';
import { runAndKill } from './support/run-and-kill.js';

const WRITER = fileURLToPath(new URL('./support/crash-migrate-writer.mjs', import.meta.url));
const ROUNDS = 12;

describe('migrate into a persistent index: crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-migrate-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every SIGKILL leaves whole batches, and resuming completes the copy', async () => {
    const path = join(dir, 'index.mvi');
    const source = [...records()];
    const random = rng(99);
    const sizes: number[] = [];
    let size = 0;
    let partial = 0;
    // Kill delays are drawn below maxDelay; when a copy outruns them (a fast runtime or machine), the
    // index is started over with delays half as long, so the kills land mid-copy whatever the speed.
    let maxDelay = 300;
    for (let round = 0; round < 3 * ROUNDS && partial < ROUNDS; round++) {
      const reported = await runAndKill(WRITER, [path], 0, Math.floor(random() * maxDelay));
      const index = await HnswIndex.open(path);
      size = index.size();
      expect(size % BATCH === 0 || size === COUNT, `round ${round}: ${size} entries is not a whole number of batches`).toBe(true);
      expect(size).toBeGreaterThanOrEqual(Math.max(reported, sizes.at(-1) ?? 0));
      // Exactly the first `size` records, as they were copied.
      for (let i = 0; i < COUNT; i++) {
        const got = index.get(source[i]!.key);
        if (i >= size) {
          expect(got, `round ${round}: record ${i} is past the committed batches`).toBeNull();
          continue;
        }
        expect(got, `round ${round}: record ${i}`).not.toBeNull();
        expect(Array.from(got!.vector)).toEqual(Array.from(source[i]!.vector));
        expect(got!.metadata).toEqual(source[i]!.metadata);
      }
      index.close();
      sizes.push(size);
      if (size > 0 && size < COUNT) partial++;
      if (size === COUNT && partial < ROUNDS) {
        rmSync(path);
        sizes.length = 0;
        size = 0;
        maxDelay = Math.max(2, maxDelay / 2);
      }
    }
    // Resume here for the rest (on a busy machine the kills may leave some), and check it all.
    const index = await HnswIndex.open(path);
    const summary = await migrate(records(), index, { batchSize: BATCH, skipExisting: true });
    expect(summary).toMatchObject({ read: COUNT, skippedExisting: size, copied: COUNT - size });
    expect(index.size()).toBe(COUNT);
    for (const r of source) expect(Array.from(index.get(r.key)!.vector)).toEqual(Array.from(r.vector));
    index.close();
    // The kills really landed mid-copy: several rounds ended with a partial index.
    expect(partial).toBeGreaterThan(2);
    console.log(`migrate crash test: entries after each kill: ${sizes.join(' ')}`);
  });
});
